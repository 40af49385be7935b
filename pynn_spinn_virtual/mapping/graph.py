"""The machine graph: what placement and routing see of a mapped network.

A :class:`MachineVertex` is one core's worth of work (a population slice, or a
delay-extension slice of a population), with the SDRAM it needs; a :class:`MachineEdge`
says that spikes of one vertex must reach another.  Vertices belong to an application
vertex (a population, or the delay extension of one) and are kept in creation order, which
is the order the toolchain places them in.
"""
from dataclasses import dataclass, field
from typing import Optional, Tuple


@dataclass(eq=False)
class MachineVertex:
    label: str                      #: e.g. "pop(0:255)" or "Delay extension for pop(0:255)"
    app_label: str                  #: the population (or delay extension) it belongs to
    app_index: int                  #: creation order of its application vertex
    slice_index: int                #: position among its application vertex's slices
    lo: int                         #: first atom (population index)
    hi: int                         #: one past the last atom
    kind: str                       #: "neuron", "spike_array", "poisson", "delay"
    sdram_bytes: int = 0            #: SDRAM the core needs (fixed + recording for the plan)
    n_keys: int = 0                 #: routing keys it sends (atoms; stages x atoms for delays)
    constraint: Optional[Tuple[int, int, Optional[int]]] = None   #: (x, y, p) placement constraint
    index: int = -1                 #: position in MachineGraph.vertices
    extra: dict = field(default_factory=dict)

    @property
    def n_atoms(self):
        return self.hi - self.lo


@dataclass(eq=False)
class MachineEdge:
    pre: MachineVertex
    post: MachineVertex
    label: str = ""


@dataclass
class MachineGraph:
    vertices: list = field(default_factory=list)
    edges: list = field(default_factory=list)

    def add_vertex(self, vertex):
        vertex.index = len(self.vertices)
        self.vertices.append(vertex)
        return vertex

    def add_edge(self, pre, post, label=""):
        edge = MachineEdge(pre, post, label)
        self.edges.append(edge)
        return edge

    def applications(self):
        """{(app_index, app_label): its vertices by first atom}, the application vertices in
        creation order (the order of their first vertex)."""
        groups = {}
        for vertex in self.vertices:
            groups.setdefault((vertex.app_index, vertex.app_label), []).append(vertex)
        return {gid: sorted(members, key=lambda v: (v.lo, v.slice_index))
                for gid, members in groups.items()}

    def targets_of(self, vertex):
        """The vertices that the spikes of `vertex` must reach (each once)."""
        seen = {}
        for edge in self.edges:
            if edge.pre is vertex:
                seen[edge.post.index] = edge.post
        return list(seen.values())
