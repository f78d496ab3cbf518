"""Which steps an animation shows (GIF, MP4): Qt-free, so the rule is tested on its own.

Up to EVERY_STEP_UP_TO steps, every step is a frame: a zig-zag or a blow-up in the first few steps is
the point of a short demo, and a frame that skips steps hides it. Longer demos get that many frames,
evenly spaced, and always the frames where something happens: each run's divergence step.
"""

import numpy as np

EVERY_STEP_UP_TO = 300


def frame_steps(last, events=(), frames=None):
    """The sorted steps 0..last to draw. frames=None: every step up to EVERY_STEP_UP_TO steps, else that
    many evenly spaced; frames=K: K evenly spaced (every step when last < K). `events` (each run's
    divergence step) are always among them where they lie within 0..last, so the count can exceed K by
    their number."""
    last = max(int(last), 0)
    k = EVERY_STEP_UP_TO + 1 if frames is None else int(frames)
    if last + 1 <= k:
        steps = np.arange(last + 1)
    else:
        steps = np.linspace(0, last, k).round().astype(int)
    extra = [int(e) for e in events if e is not None and 0 <= e <= last]
    return np.unique(np.concatenate([steps, np.asarray(extra, dtype=int)]))


def animation_steps(session, frames=None):
    """frame_steps for a session: up to the last step shown, with each run's divergence step."""
    last = max(r.shown(session.display_step) for r in session.runs)
    return frame_steps(last, [r.diverged_at for r in session.runs], frames)
