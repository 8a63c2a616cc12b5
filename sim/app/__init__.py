"""The page: a local browser interface over the library (`tft app`, the `app` extra).

The modules without `solara` in them (`choices`, `ensemble`, `stepper`, `sweep_folder`,
`download`, `charts`) are plain library code that the page calls and the tests call directly;
`page` and the `view_*` modules are the Solara components; `server` starts it.
"""
