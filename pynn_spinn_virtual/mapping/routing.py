"""Routing keys, multicast routes and per-chip routing tables (docs/mapping.md, "Routing").

Keys (:func:`allocate_keys`), in the spirit of the toolchain's zoned allocator: a 32-bit
key is ``| application vertex | machine vertex (slice) | atom |``.  The atom field of an
application vertex is wide enough for the most keys any of its slices sends (atoms, or
stages x atoms for a delay extension) plus the profile's colour bits; the slice field
takes the rest of a zone whose width is the largest (slice + atom) width of any
application vertex, so that the application field starts at the same bit for all.  A
slice's mask covers the application and slice fields.

Routes (:func:`routing_tables`): for every source slice a tree of links from its chip to
every chip holding one of its targets (shortest hexagonal moves, diagonal first, then
along x, then along y; a breadth-first detour where a link is missing); each chip on the
tree gets one entry (key, mask, links out, cores to deliver to).  Tables longer than the
router are compressed with an order-exploiting pair compressor; a table that still does
not fit raises the toolchain's error.
"""
from collections import deque, namedtuple

import numpy as np

from ..exceptions import MappingError
from ..machine.geometry import LINK_NAMES, LINK_OFFSETS, opposite_link

FULL_MASK = 0xFFFFFFFF
KEY_BITS = 32


def bits_needed(n):
    """Bits to number `n` things as the key allocator counts them (0 for 0 or 1 thing)."""
    n = int(n)
    if n <= 1:
        return 0
    return (n - 1).bit_length()


def mask_for(n_low_bits):
    """A mask with the lowest `n_low_bits` bits clear."""
    return FULL_MASK ^ ((1 << n_low_bits) - 1)


# -- keys ---------------------------------------------------------------------------------
AppKeyInfo = namedtuple(
    "AppKeyInfo", "index label key mask machine_bits atom_bits vertices")


class RoutingKeys:
    """Keys and masks of the machine vertices that send spikes."""

    def __init__(self):
        self._key = {}
        self._mask = {}
        self._n_keys = {}
        self._app_of = {}
        #: per sending application vertex, in key order (``vertices``: all its slices,
        #: some of which may have no key)
        self.applications = []
        #: bit where the application field starts
        self.zone_bits = 0
        self.app_bits = 0

    def __contains__(self, vertex):
        return vertex in self._key

    def __getitem__(self, vertex):
        """(key, mask) of `vertex`."""
        return self._key[vertex], self._mask[vertex]

    def key_of(self, vertex):
        return self._key[vertex]

    def mask_of(self, vertex):
        return self._mask[vertex]

    def n_keys_of(self, vertex):
        return self._n_keys[vertex]

    def application_of(self, vertex):
        return self._app_of[vertex]

    def vertices(self):
        return list(self._key)

    def __len__(self):
        return len(self._key)

    def keys_of(self, vertex):
        """Every key `vertex` sends: key + 0 .. key + n_keys - 1."""
        return self._key[vertex] + np.arange(self._n_keys[vertex], dtype=np.int64)


def _n_keys(vertex):
    n = int(vertex.n_keys) if vertex.n_keys else 0
    return n if n > 0 else int(vertex.n_atoms)


def _outgoing_adjacency(graph):
    """{vertex: [target vertices, each once, in edge order]}."""
    out = {}
    for edge in graph.edges:
        targets = out.setdefault(edge.pre, {})
        targets.setdefault(edge.post, None)
    return {v: list(t) for v, t in out.items()}


def allocate_keys(graph, profile, all_vertices=False):
    """Allocate a key and mask to every slice that sends spikes.

    The key space is laid out per application vertex that has a sending slice (numbered
    in creation order), with room for all its slices (numbered by first atom), but only
    slices with an outgoing edge get a key -- as in 6.x, where a core without an outgoing
    edge has no key and sends nothing.  With `all_vertices` every vertex gets one.
    """
    senders = {e.pre for e in graph.edges}
    apps = []
    for gid, members in graph.applications().items():
        if not all_vertices and not any(v in senders for v in members):
            continue
        colour = max(profile.routing_key_colour_bits_for(v.kind) for v in members)
        atom_bits = bits_needed(max(_n_keys(v) for v in members)) + colour
        machine_bits = bits_needed(len(members))
        apps.append((gid, members, atom_bits, machine_bits))
    keys = RoutingKeys()
    if not apps:
        return keys
    zone = max(a + m for _, _, a, m in apps)
    app_bits = bits_needed(len(apps))
    if app_bits + zone > KEY_BITS:
        raise MappingError(
            f"Unable to allocate routing keys: {len(apps)} sending application vertices need "
            f"{app_bits} + {zone} bits, more than the {KEY_BITS} bits of a key")
    keys.zone_bits = zone
    keys.app_bits = app_bits
    for index, (gid, members, atom_bits, _) in enumerate(apps):
        app_key = index << zone
        mask = mask_for(atom_bits)
        for m, vertex in enumerate(members):
            if not all_vertices and vertex not in senders:
                continue
            keys._key[vertex] = app_key | (m << atom_bits)
            keys._mask[vertex] = mask
            keys._n_keys[vertex] = _n_keys(vertex)
            keys._app_of[vertex] = index
        keys.applications.append(AppKeyInfo(
            index=index, label=gid[1], key=app_key, mask=mask_for(zone),
            machine_bits=zone - atom_bits, atom_bits=atom_bits, vertices=members))
    return keys


# -- routing entries ---------------------------------------------------------------------
class RoutingEntry(namedtuple("RoutingEntry", "key mask route")):
    """One multicast routing-table entry.

    `route` is the router's route word: bit d (0..5) sends on link d, bit 6 + p delivers
    to core p.
    """
    __slots__ = ()

    @property
    def links(self):
        return tuple(d for d in range(6) if (self.route >> d) & 1)

    @property
    def processors(self):
        r = self.route >> 6
        return tuple(p for p in range(r.bit_length()) if (r >> p) & 1)

    def matches(self, key):
        return (key & self.mask) == self.key

    def __str__(self):
        links = ",".join(LINK_NAMES[d] for d in self.links)
        procs = ",".join(str(p) for p in self.processors)
        return f"0x{self.key:08x} 0x{self.mask:08x} links[{links}] cores[{procs}]"


def route_word(links, processors):
    word = 0
    for d in links:
        word |= 1 << d
    for p in processors:
        word |= 1 << (6 + p)
    return word


class RoutingTables(dict):
    """{(x, y): [RoutingEntry]} as loaded into the routers (compressed where needed).

    ``uncompressed`` holds the tables before compression, ``compressed_chips`` the chips
    whose tables were compressed, ``sources`` the source vertex of every uncompressed
    entry ({(x, y): [vertex]}) and ``trees`` the route tree of every source vertex.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.uncompressed = {}
        self.compressed_chips = set()
        self.sources = {}
        self.trees = {}
        self.router_entries = None

    def n_entries(self, compressed=True):
        tables = self if compressed else self.uncompressed
        return {xy: len(entries) for xy, entries in tables.items()}


# -- routes -------------------------------------------------------------------------------
class _Router:
    """Shortest routes on the machine's links, with a detour where links are missing."""

    def __init__(self, machine):
        self.machine = machine
        self.width = machine.width
        self.height = machine.height
        self.wrap_x = machine.wrap_x
        self.wrap_y = machine.wrap_y
        self.links = machine.link_mask.tolist()     # links[x][y]: bit d = link d works
        self._cache = {}
        self._bfs_cache = {}

    def _vector(self, sx, sy, tx, ty):
        """(hops, dx, dy) of the shortest vector from s to t, over the wrap if any."""
        dx = tx - sx
        dy = ty - sy
        if not (self.wrap_x or self.wrap_y):
            return _hex_len(dx, dy), dx, dy
        dxs = (dx % self.width, dx % self.width - self.width) if self.wrap_x else (dx,)
        dys = (dy % self.height, dy % self.height - self.height) if self.wrap_y else (dy,)
        best = None
        for cx in dxs:
            for cy in dys:
                length = _hex_len(cx, cy)
                if best is None or length < best[0]:
                    best = (length, cx, cy)
        return best

    def next_hop(self, x, y, tx, ty):
        """(link, (nx, ny)) one productive hop from (x, y) towards (tx, ty), or None when
        no productive link exists (diagonal preferred, then x, then y)."""
        length, dx, dy = self._vector(x, y, tx, ty)
        mask = self.links[x][y]
        for d in _PREFERRED[(dx > 0) - (dx < 0), (dy > 0) - (dy < 0)]:
            if not (mask >> d) & 1:
                continue
            ox, oy = LINK_OFFSETS[d]
            if _hex_len(dx - ox, dy - oy) == length - 1:
                nx, ny = x + ox, y + oy
                if self.wrap_x:
                    nx %= self.width
                if self.wrap_y:
                    ny %= self.height
                return d, (nx, ny)
        return None

    def _step(self, x, y, d):
        ox, oy = LINK_OFFSETS[d]
        nx, ny = x + ox, y + oy
        if self.wrap_x:
            nx %= self.width
        if self.wrap_y:
            ny %= self.height
        return nx, ny

    def _distances_to(self, target):
        """{chip: hops to `target`} over working links (links work both ways)."""
        dist = self._bfs_cache.get(target)
        if dist is not None:
            return dist
        dist = {target: 0}
        queue = deque([target])
        links = self.links
        while queue:
            x, y = queue.popleft()
            mask = links[x][y]
            here = dist[(x, y)] + 1
            for d in range(6):
                if (mask >> d) & 1:
                    nxt = self._step(x, y, d)
                    if nxt not in dist:
                        dist[nxt] = here
                        queue.append(nxt)
        if len(self._bfs_cache) >= 512:
            self._bfs_cache.pop(next(iter(self._bfs_cache)))
        self._bfs_cache[target] = dist
        return dist

    def bfs_path(self, source, target):
        """[(link, chip)] of a shortest path over working links from source to target
        (at each chip the first link, in link order, that gets one hop closer)."""
        dist = self._distances_to(target)
        if source not in dist:
            raise MappingError(
                f"No route from chip {source} to chip {target}: the chips are not connected")
        path = []
        x, y = source
        while (x, y) != target:
            mask = self.links[x][y]
            want = dist[(x, y)] - 1
            for d in range(6):
                if (mask >> d) & 1:
                    nxt = self._step(x, y, d)
                    if dist.get(nxt) == want:
                        break
            path.append((d, nxt))
            x, y = nxt
        return path

    def tree(self, source, targets):
        """{chip: [(link, child chip)]} of a tree rooted at `source` reaching `targets`.

        Each chip joins the tree once, from one parent, so a packet reaches every chip
        of the tree exactly once.  Targets are joined nearest first; walking towards a
        target, a hop onto a chip already on the tree continues from that chip without
        adding a link.  Trees are cached by (source, targets).
        """
        cache_key = (source, frozenset(targets))
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        children = {source: []}
        sx, sy = source
        ordered = sorted(targets, key=lambda t: (self._vector(sx, sy, t[0], t[1])[0], t))
        for target in ordered:
            if target in children:
                continue
            tx, ty = target
            cur = source
            path = None
            step = 0
            while cur != target:
                if path is None:
                    hop = self.next_hop(cur[0], cur[1], tx, ty)
                    if hop is None:
                        path = self.bfs_path(cur, target)
                        step = 0
                        continue
                else:
                    hop = path[step]
                    step += 1
                d, nxt = hop
                if nxt not in children:
                    children[nxt] = []
                    children[cur].append((d, nxt))
                cur = nxt
        self._cache[cache_key] = children
        return children


def _hex_len(dx, dy):
    """geometry.hexagonal_length, unrolled for speed."""
    if dx >= 0:
        if dy >= 0:
            return dx if dx >= dy else dy
        return dx - dy
    if dy < 0:
        return -dx if dx <= dy else -dy
    return dy - dx


def _preferred_links(dx, dy):
    """Productive link directions towards (dx, dy): the diagonal, then x, then y."""
    links = []
    if dx > 0 and dy > 0:
        links.append(1)
    elif dx < 0 and dy < 0:
        links.append(4)
    if dx > 0:
        links.append(0)
    elif dx < 0:
        links.append(3)
    if dy > 0:
        links.append(2)
    elif dy < 0:
        links.append(5)
    return links


_PREFERRED = {(sx, sy): tuple(_preferred_links(sx, sy)) for sx in (-1, 0, 1) for sy in (-1, 0, 1)}


def routing_tables(graph, placements, machine, keys, profile=None, compress="as_needed"):
    """Per-chip multicast routing tables that take every slice's spikes to its targets.

    `compress`: "as_needed" (the toolchain's default: only tables longer than the router
    are compressed), "always" or "never".  Returns :class:`RoutingTables`; raises
    :class:`MappingError` when a table still does not fit after compression.
    """
    profile = machine.profile if profile is None else profile
    n_router = int(profile.router_entries_per_chip)
    router = _Router(machine)
    adjacency = _outgoing_adjacency(graph)
    uncompressed = {}
    sources = {}
    tables = RoutingTables()
    for vertex in graph.vertices:
        targets = adjacency.get(vertex)
        if not targets:
            continue
        if vertex not in keys:
            raise MappingError(f"{vertex.label} sends spikes but has no routing key")
        key, mask = keys[vertex]
        sx, sy, _ = placements[vertex]
        cores = {}
        for target in targets:
            tx, ty, tp = placements[target]
            cores.setdefault((tx, ty), set()).add(tp)
        tree = router.tree((sx, sy), cores)
        tables.trees[vertex] = tree
        for xy, kids in tree.items():
            route = route_word([d for d, _ in kids], cores.get(xy, ()))
            uncompressed.setdefault(xy, []).append(RoutingEntry(key, mask, route))
            sources.setdefault(xy, []).append(vertex)
    tables.uncompressed = uncompressed
    tables.sources = sources
    tables.router_entries = n_router
    for xy, entries in uncompressed.items():
        if compress == "always" or (compress == "as_needed" and len(entries) > n_router):
            tables[xy] = compress_table(entries)
            tables.compressed_chips.add(xy)
        else:
            tables[xy] = list(entries)
    check_table_sizes(tables, n_router)
    return tables


def check_table_sizes(tables, n_router):
    """Raise the toolchain's error for every chip whose table exceeds the router."""
    problems = [(xy, len(entries)) for xy, entries in sorted(tables.items())
                if len(entries) > n_router]
    if problems:
        where = " ".join(f"(x:{x},y:{y})={n}" for (x, y), n in problems)
        raise MappingError(
            "The routing table after compression will still not fit within the machines "
            f"router: {where} (a router holds {n_router} entries)")


# -- compression --------------------------------------------------------------------------
def merge_entries(a_key, a_mask, b_key, b_mask):
    """The smallest key/mask covering both: bits where they differ become don't-care."""
    mask = a_mask & b_mask & ~(a_key ^ b_key) & FULL_MASK
    return a_key & mask, mask


def compress_table(entries):
    """Compress one table with an ordered pair compressor; return the new entry list.

    Entries are grouped by route and the groups ordered from the rarest route to the
    commonest (ties: by route word).  Within a group (entries by key), the first
    entry is merged with the first later entry of the group for which the merge (the
    key bits where they differ become don't-care) covers no key of an entry of a *later*
    group; the merge replaces the first entry, the partner is replaced by the group's last
    entry, and the search starts again; when no partner works the first entry is final.
    Earlier entries win in a router, so keys of earlier groups are caught before a merged
    entry and only later groups need checking: the result routes every key of the
    original table exactly as before.  (Before the pair search, entries that are the two
    halves of one aligned block -- e.g. consecutive slices of a population with the same
    route -- are merged outright: that merge covers no other key, so it needs no check.)
    """
    if len(entries) <= 1:
        return list(entries)
    counts = {}
    for e in entries:
        counts[e.route] = counts.get(e.route, 0) + 1
    route_order = sorted(counts, key=lambda r: (counts[r], r))
    rank = {r: i for i, r in enumerate(route_order)}
    group_of = np.array([rank[e.route] for e in entries], dtype=np.int64)
    keys = np.array([e.key for e in entries], dtype=np.int64)
    masks = np.array([e.mask for e in entries], dtype=np.int64)
    # entries by group, and by key within a group
    order = np.lexsort((keys, group_of))
    keys, masks, group_of = keys[order], masks[order], group_of[order]
    bounds = np.searchsorted(group_of, np.arange(len(route_order) + 1))
    result = []
    for i, route in enumerate(route_order):
        a, b = int(bounds[i]), int(bounds[i + 1])
        if b - a == 1:
            result.append(RoutingEntry(int(keys[a]), int(masks[a]), route))
            continue
        group = _compress_group(keys[a:b], masks[a:b], keys[b:], masks[b:])
        result.extend(RoutingEntry(int(k), int(m), route) for k, m in group)
    return result


_CHUNK = 128


def _merge_buddies(keys, masks):
    """Merge pairs of entries that are exact halves of one block (same mask, keys that
    differ only in the mask's lowest bit), repeatedly.  Such a merge covers exactly the
    keys of the two entries, so it can capture nothing; returns sorted arrays."""
    entries = sorted(set(zip(keys.tolist(), masks.tolist())))
    changed = True
    while changed and len(entries) > 1:
        changed = False
        present = set(entries)
        merged = []
        used = set()
        for key, mask in entries:
            if (key, mask) in used:
                continue
            low = mask & -mask
            if low and not key & low and (key | low, mask) in present \
                    and (key | low, mask) not in used:
                used.add((key | low, mask))
                merged.append((key, mask & ~low & FULL_MASK))
                changed = True
            else:
                merged.append((key, mask))
        entries = sorted(set(merged))
    k = np.array([e[0] for e in entries], dtype=np.int64)
    m = np.array([e[1] for e in entries], dtype=np.int64)
    return k, m


def _compress_group(keys, masks, later_keys, later_masks):
    """Pair-merge the keys/masks of one route while no later entry is captured."""
    k, m = _merge_buddies(keys, masks)
    if later_keys.size == 0:
        # nothing to protect: the pairwise merges fold the whole group into one entry
        mask = int(np.bitwise_and.reduce(m))
        mask &= ~int(np.bitwise_or.reduce(k ^ k[0])) & FULL_MASK
        return [(int(k[0]) & mask, mask)]
    later_keys = later_keys[None, :]
    later_masks = later_masks[None, :]
    done = []
    left = 0
    right = len(k) - 1
    while left < right:
        lk, lm = k[left], m[left]
        cand_m = lm & m[left + 1:right + 1] & ~(lk ^ k[left + 1:right + 1]) & FULL_MASK
        cand_k = lk & cand_m
        found = -1
        c0 = 0
        chunk = 1
        while c0 < cand_m.size:
            cm = cand_m[c0:c0 + chunk, None]
            ck = cand_k[c0:c0 + chunk, None]
            captures = (((later_keys ^ ck) & later_masks & cm) == 0).any(axis=1)
            ok = np.flatnonzero(~captures)
            if ok.size:
                found = c0 + int(ok[0])
                break
            c0 += chunk
            chunk = min(chunk * 4, _CHUNK)
        if found >= 0:
            k[left] = cand_k[found]
            m[left] = cand_m[found]
            partner = left + 1 + found
            k[partner] = k[right]
            m[partner] = m[right]
            right -= 1
        else:
            done.append((int(k[left]), int(m[left])))
            left += 1
    if left == right:
        done.append((int(k[left]), int(m[left])))
    return done


# -- checking -----------------------------------------------------------------------------
def lookup(entries, key):
    """The first entry of a table matching `key` (the router's rule), or None."""
    for entry in entries:
        if (key & entry.mask) == entry.key:
            return entry
    return None


def trace_packet(tables, machine, source_chip, key, max_hops=None):
    """Follow a multicast packet with `key` sent by a core on `source_chip`.

    Returns the list of (x, y, p) deliveries (a core appears twice if the packet
    reaches it twice).  A packet arriving on a chip with no matching entry is default
    routed (it leaves on the link opposite the one it arrived on); a packet from a
    local core with no matching entry is dropped.  A packet still travelling after
    `max_hops` hops (default: 4 x the chips of the machine) raises (a routing loop).
    """
    if max_hops is None:
        max_hops = 4 * max(1, machine.n_chips) + 16
    deliveries = []
    # (chip, link the packet travelled on to get here; None: from a local core)
    frontier = deque([(tuple(source_chip), None)])
    hops = 0
    while frontier:
        xy, came_on = frontier.popleft()
        entry = lookup(tables.get(xy, ()), key)
        if entry is None:
            if came_on is None:
                continue
            out_links = (came_on,)
            procs = ()
        else:
            out_links = entry.links
            procs = entry.processors
        for p in procs:
            deliveries.append((xy[0], xy[1], p))
        for d in out_links:
            nxt = machine.neighbour(xy[0], xy[1], d)
            if nxt is None:
                raise MappingError(
                    f"key 0x{key:08x} is routed out of chip {xy} on link {LINK_NAMES[d]}, "
                    f"which does not exist")
            hops += 1
            if hops > max_hops:
                raise MappingError(f"key 0x{key:08x} loops in the routing tables")
            frontier.append((nxt, d))
    return deliveries


def cores_reached(tables, machine, source_chip, key):
    """The set of cores (x, y, p) a packet with `key` sent from `source_chip` reaches."""
    return set(trace_packet(tables, machine, source_chip, key))


def link_direction_name(link):
    return LINK_NAMES[link]


__all__ = [
    "RoutingKeys", "AppKeyInfo", "RoutingEntry", "RoutingTables", "allocate_keys",
    "routing_tables", "compress_table", "merge_entries", "check_table_sizes", "lookup",
    "trace_packet", "cores_reached", "bits_needed", "mask_for", "route_word", "opposite_link",
]
