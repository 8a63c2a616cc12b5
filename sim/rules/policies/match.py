"""The plain two-move iterated game, for checking the classic rules against their textbook play."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.rules import rng
from sim.rules.policies.base import Policy, PolicyError, Response, Seen, parse_policy


class Scripted(Policy):
    """A fixed sequence of moves (True = hostile), repeated; an opponent for transcript tests."""

    name = "scripted"
    title = "Scripted moves"
    source = "test opponent"
    memory_depth = 0
    classic = True

    def __init__(self, moves: Sequence[bool]):
        super().__init__()
        if not moves:
            raise PolicyError("a scripted player needs at least one move")
        self.moves = [bool(m) for m in moves]

    def start(self, runs: int) -> dict[str, np.ndarray]:
        return {"turn": np.zeros(runs, dtype=np.int64)}

    def decide(self, seen: Seen, memory: dict[str, np.ndarray]) -> Response:
        hostile = np.array([self.moves[t % len(self.moves)] for t in memory["turn"]])
        memory["turn"] += 1
        return Response(np.where(hostile, -1.0, 0.0))


def classic_match(
    first: Policy | str | Sequence[bool],
    second: Policy | str | Sequence[bool],
    turns: int,
    *,
    noise: float = 0.0,
    seed: int | None = None,
) -> tuple[list[bool], list[bool]]:
    """Play `turns` rounds in which each move is only hostile (True) or not (False).

    A player is a policy, a spec string such as "generous_mirror:forgiveness=0.3", or a list of
    moves (a scripted opponent, repeated).

    Every hostile move of the opponent counts as a provocation of size 1. `noise` flips each
    intended move with that probability; the noise belongs to the match, so a player cannot
    predict it, but a player knows when its own move was flipped (what contrition needs).
    Returns the two move sequences.
    """
    players = [Scripted(p) if isinstance(p, (list, tuple)) else parse_policy(p) for p in (first, second)]
    for player in players:
        if not player.classic:
            raise PolicyError(f"policy '{player.name}' is not defined in the two-move game")
    if not 0.0 <= noise <= 1.0:
        raise PolicyError(f"noise must be between 0 and 1, found {noise}")
    key = rng.run_keys(np.random.SeedSequence(seed).entropy if seed is None else seed, 1)
    memories = [p.start(1) for p in players]
    moves: list[list[bool]] = [[], []]
    errors = [False, False]
    for turn in range(turns):
        intended = []
        for me, player in enumerate(players):
            other = 1 - me
            hostile = float(bool(moves[other]) and moves[other][-1])
            seen = Seen.quiet(1)
            seen.hostility = np.array([hostile])
            seen.provocation = np.array([hostile])
            seen.own_last = np.array([-1.0 if moves[me] and moves[me][-1] else 0.0])
            seen.own_error = np.array([errors[me]])
            seen.draw = rng.uniform(key, turn, me, rng.SLOT_POLICY)
            intended.append(bool(player.decide(seen, memories[me]).severity[0] < 0))
        for me in (0, 1):
            flipped = bool(rng.uniform(key, turn, me, rng.SLOT_EXECUTION)[0] < noise)
            actual = intended[me] != flipped
            errors[me] = flipped and actual
            moves[me].append(actual)
    return moves[0], moves[1]
