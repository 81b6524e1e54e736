"""Graph helpers that stay linear in the number of edges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def find_cycle(edges: Mapping[str, Sequence[str]]) -> list[str] | None:
    """Return one cycle as a list of nodes (first node repeated last), or None.

    `edges` maps a node to the nodes it points at. Iterative DFS with colours, O(V + E).
    """
    white, grey, black = 0, 1, 2
    colour: dict[str, int] = {}
    for start in edges:
        if colour.get(start, white) != white:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = [start]
        colour[start] = grey
        while stack:
            node, index = stack[-1]
            targets = edges.get(node, ())
            if index < len(targets):
                stack[-1] = (node, index + 1)
                nxt = targets[index]
                state = colour.get(nxt, white)
                if state == grey:
                    return [*path[path.index(nxt) :], nxt]
                if state == white:
                    colour[nxt] = grey
                    stack.append((nxt, 0))
                    path.append(nxt)
            else:
                colour[node] = black
                stack.pop()
                path.pop()
    return None
