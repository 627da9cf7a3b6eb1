"""The timing kernels compile ahead of use on two tiny netlists (feed-forward and feedback)."""

from picojoule.cost import timing_kernel, timing_lanes
from picojoule.cost.timing_warmup import warm_up


def test_warm_up_compiles_both_kernels():
    assert warm_up() is True
    assert timing_kernel.run_chunk.signatures
    assert timing_lanes._serial_states.signatures
