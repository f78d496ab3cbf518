"""How much the GUI thread computes itself, by the size of the work (in N·D·C of a linear model): the one
rule for what follows playback frame by frame and what waits for a pause (Qt-free)."""

# Up to this much work a per-frame extra follows the animation while it plays: the explained step, the
# lecture panel's curvature (each a few ms). Beyond it, they wait for a pause.
WHILE_PLAYING = 200_000
# Up to this much the GUI thread computes at all: the curvature when paused (some 60 Hessian products),
# the status line's two exact losses per frame (a kernel call each). Beyond it, the recorded values.
AT_ALL = 2_000_000


def data_work(data):
    """N·D·C: one pass of the linear model's scores over the data."""
    return data.N * data.D * data.C


def follows_playback(work, playing):
    """Whether work of this size is computed for the current frame (always when paused)."""
    return not playing or work <= WHILE_PLAYING
