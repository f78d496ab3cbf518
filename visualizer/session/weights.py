"""The weights of a run at every step, in bounded memory.

A run of 100,000 steps on a 65 x 10 problem would hold 520 MB of weights, and nothing on screen needs
them all at once: the views keep a few numbers per step (losses, plane coordinates), and W itself is
needed only at the shown step, for a refit or an export. So a WeightPath keeps the exact optimizer state
at checkpoints (every K-th step, K a power of two that doubles whenever there would be more than
MAX_CHECKPOINTS), and replays the optimizer from the nearest checkpoint when a step's W is asked for:
the kernels are deterministic (the batch of step t depends only on the seed and t), so a replay is exact,
bit for bit. The last replayed stretch is cached, so an animation reads along it without replaying again.
"""

import numpy as np

MAX_CHECKPOINTS = 256
FIRST_EVERY = 16  # checkpoint spacing of a young run


class WeightPath:
    """W at steps 0..head. `replay(state, t1)` must run the optimizer from `state` (at state.step) to step t1
    and return (W of every step state.step..t1, the state at t1)."""

    def __init__(self, start_state, replay):
        self._replay = replay
        self.every = FIRST_EVERY
        self.checkpoints = {0: start_state}
        self.head = 0
        self.head_state = start_state  # the state at `head` when known (None after a cut)
        self._cache = (0, start_state.W[None].copy())  # (first step, W of consecutive steps)

    # ---------------------------------------------------------------------------------- growing
    def next_boundary(self, step):
        """The next checkpoint step after `step`: the session computes ahead in chunks ending there."""
        return (step // self.every + 1) * self.every

    def advance(self, state, Ws=None):
        """The run reached state.step (past head); Ws, if given, are the weights of steps head+1..state.step
        (kept in the cache for the views' next reads)."""
        self.head = int(state.step)
        self.head_state = state
        if state.step % self.every == 0:
            self.checkpoints[state.step] = state
            if len(self.checkpoints) > MAX_CHECKPOINTS:
                self.every *= 2
                self.checkpoints = {s: c for s, c in self.checkpoints.items() if s % self.every == 0}
        if Ws is not None and len(Ws):
            self._cache = (state.step - len(Ws) + 1, Ws)

    def grow(self, Ws):
        """Steps head+1.. without a state to keep (the kernel stopped at a non-finite step)."""
        if len(Ws):
            self.head += len(Ws)
            self.head_state = None
            self._cache = (self.head - len(Ws) + 1, Ws)

    def cut(self, t):
        """Keep steps 0..t (a divergence, or a change of settings at t)."""
        t = int(t)
        if t >= self.head:
            return
        self.head = t
        self.head_state = None
        self.checkpoints = {s: c for s, c in self.checkpoints.items() if s <= t}
        lo, Ws = self._cache
        self._cache = (lo, Ws[:max(0, t - lo + 1)]) if lo <= t else (0, Ws[:0])

    def replace_head(self, state):
        """The state at `head` is replaced (W edited by hand there): its checkpoint and cached W too."""
        t = self.head = int(state.step)
        self.head_state = state
        if t in self.checkpoints:
            self.checkpoints[t] = state
        lo, Ws = self._cache
        if lo <= t < lo + len(Ws):
            Ws = Ws[:t - lo + 1].copy()
            Ws[t - lo] = state.W
            self._cache = (lo, Ws)

    # ---------------------------------------------------------------------------------- reading
    def state_at(self, t):
        """The exact optimizer state at step t (0 <= t <= head)."""
        if self.head_state is not None and t == self.head:
            return self.head_state
        c = max(s for s in self.checkpoints if s <= t)
        state = self.checkpoints[c]
        return state if c == t else self._replay(state, t)[1]

    def _stretch(self, t):
        """Replay the stretch between the checkpoints around step t, and cache it."""
        c = max(s for s in self.checkpoints if s <= t)
        end = min(c + self.every, self.head)
        Ws, _ = self._replay(self.checkpoints[c], end)
        self._cache = (c, Ws)

    def at(self, t):
        if self.head_state is not None and t == self.head:
            return self.head_state.W
        lo, Ws = self._cache
        if not lo <= t < lo + len(Ws):
            self._stretch(t)
            lo, Ws = self._cache
        return Ws[t - lo]

    def __len__(self):
        return self.head + 1

    def __array__(self, dtype=None, copy=None):
        """All of it, as one (head + 1, D, C) array (for tests and small runs: it is as big as it says)."""
        out = self.stack(np.arange(self.head + 1))
        return out if dtype is None else out.astype(dtype)

    def __getitem__(self, index):
        """W at a step (negative counts from the head), or a stack for a slice or an array of steps;
        a tuple indexes the stack further (run.W[:, 1, :])."""
        if isinstance(index, tuple):
            first = self[index[0]]
            return first[(slice(None),) + index[1:]] if first.ndim == 3 else first[index[1:]]
        n = self.head + 1
        if isinstance(index, (int, np.integer)):
            t = int(index) + (n if index < 0 else 0)
            if not 0 <= t < n:
                raise IndexError(f"step {index} of a path with {n} steps")
            return self.at(t)
        steps = np.arange(n)[index]
        return self.stack(steps)

    def stack(self, steps):
        """W at the given steps (sorted or not) as one (len(steps), D, C) array."""
        steps = np.asarray(steps, dtype=np.int64)
        if steps.size == 0:
            return np.zeros((0,) + self.checkpoints[0].W.shape)
        out = np.empty((len(steps),) + self.checkpoints[0].W.shape)
        order = np.argsort(steps, kind="stable")
        for k in order:  # in step order: each stretch is replayed once
            out[k] = self.at(int(steps[k]))
        return out

    def every_step(self, lo=0, hi=None, chunk=4096):
        """(first step, W of up to `chunk` consecutive steps) for steps lo..hi, stretch by stretch: a whole
        path in bounded memory (a refit projects every step this way)."""
        hi = self.head if hi is None else hi
        t = lo
        while t <= hi:
            c = max(s for s in self.checkpoints if s <= t)
            end = min(hi, t + chunk - 1)
            Ws, _ = self._replay(self.checkpoints[c], end)
            yield t, Ws[t - c:]
            t = end + 1
