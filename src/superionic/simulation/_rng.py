"""The random-number generator shared by the numba kernels and their pure-Python twins.

xoshiro256** (Blackman and Vigna, 2018): four 64-bit words of state, period 2^256 - 1. The state
lives in a ``uint64`` array of length 4 that the kernels update in place, so a run is
checkpointed by saving that array and resumed bit for bit. Doubles in [0, 1) take the top 53
bits of each output.

Seeds come from :class:`numpy.random.SeedSequence` (one child per replica), never from a global
state: :func:`state_from_seed` turns a seed or SeedSequence into the four words.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MASK64 = (1 << 64) - 1
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


def state_from_seed(seed) -> np.ndarray:
    """Four-word xoshiro state (uint64 array) from an int, a SeedSequence or None is refused."""
    if isinstance(seed, np.random.SeedSequence):
        ss = seed
    else:
        ss = np.random.SeedSequence(seed)
    state = ss.generate_state(4, dtype=np.uint64)
    if not np.any(state):  # the all-zero state is a fixed point
        state[0] = np.uint64(0x9E3779B97F4A7C15)
    return state


@njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True)
def next_u64(state):
    """Advance the state and return the next 64-bit output (numba)."""
    s0 = state[0]
    s1 = state[1]
    s2 = state[2]
    s3 = state[3]
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    state[0] = s0
    state[1] = s1
    state[2] = s2
    state[3] = s3
    return result


@njit(cache=True)
def next_double(state):
    """Uniform double in [0, 1) (numba)."""
    return np.float64(next_u64(state) >> np.uint64(11)) * _INV53


@njit(cache=True)
def next_below(state, n):
    """Uniform integer in [0, n) for 1 <= n < 2**53 (numba)."""
    k = np.int64(next_double(state) * n)
    if k >= n:
        k = n - 1
    return k


class PyRng:
    """Pure-Python xoshiro256** with the same stream as the numba functions above."""

    def __init__(self, state) -> None:
        self.s = [int(x) for x in np.asarray(state, dtype=np.uint64)]

    @staticmethod
    def _rotl(x: int, k: int) -> int:
        return ((x << k) | (x >> (64 - k))) & MASK64

    def next_u64(self) -> int:
        s0, s1, s2, s3 = self.s
        result = (self._rotl((s1 * 5) & MASK64, 7) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self._rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def next_double(self) -> float:
        return float(self.next_u64() >> 11) * _INV53

    def next_below(self, n: int) -> int:
        k = int(self.next_double() * n)
        return n - 1 if k >= n else k

    def state(self) -> np.ndarray:
        return np.array(self.s, dtype=np.uint64)
