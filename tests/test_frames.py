"""Which steps an animation draws: every step of a short demo, and always the divergence."""

import numpy as np

from losscape_lab.visualizer.session.frames import EVERY_STEP_UP_TO, frame_steps


def test_a_short_demo_shows_every_step():
    np.testing.assert_array_equal(frame_steps(150), np.arange(151))
    np.testing.assert_array_equal(frame_steps(EVERY_STEP_UP_TO), np.arange(EVERY_STEP_UP_TO + 1))
    np.testing.assert_array_equal(frame_steps(0), [0])


def test_a_long_demo_is_evenly_spaced_and_keeps_each_divergence():
    steps = frame_steps(3000, events=[17, None, 5000])  # 5000: past the last step drawn
    assert len(steps) == EVERY_STEP_UP_TO + 2 and steps[0] == 0 and steps[-1] == 3000 and 17 in steps
    gaps = np.diff(steps[steps != 17])
    assert gaps.min() >= 9 and gaps.max() <= 11  # 3000 / 300
    assert np.all(np.diff(steps) > 0)


def test_asked_for_frames_are_evenly_spaced():
    steps = frame_steps(150, events=[17], frames=12)
    assert len(steps) == 13 and 17 in steps and (steps[0], steps[-1]) == (0, 150)
    np.testing.assert_array_equal(frame_steps(5, frames=12), np.arange(6))
