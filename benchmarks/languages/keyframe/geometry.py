"""3-D maths vectorised over frames: rotations, quaternions, minimum-jerk easing, smooth noise."""

from __future__ import annotations

import numpy as np


def min_jerk(s: np.ndarray) -> np.ndarray:
    """Minimum-jerk position profile on 0..1 (zero velocity and acceleration at both ends)."""
    s = np.clip(s, 0.0, 1.0)
    return s * s * s * (10.0 + s * (-15.0 + 6.0 * s))


def smoothstep(s: np.ndarray) -> np.ndarray:
    s = np.clip(s, 0.0, 1.0)
    return s * s * (3.0 - 2.0 * s)


def rot_x(a: np.ndarray | float) -> np.ndarray:
    """Rotation(s) about x by `a` radians: shape (..., 3, 3)."""
    a = np.asarray(a, float)
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack(
        [np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2
    )


def rot_y(a: np.ndarray | float) -> np.ndarray:
    a = np.asarray(a, float)
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack(
        [np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2
    )


def rot_z(a: np.ndarray | float) -> np.ndarray:
    a = np.asarray(a, float)
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack(
        [np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2
    )


def euler(pitch: np.ndarray, yaw: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """Head-style rotation: yaw about y, then pitch about x, then roll about z (radians)."""
    return rot_y(yaw) @ rot_x(pitch) @ rot_z(roll)


def rotvec_matrix(v: np.ndarray) -> np.ndarray:
    """The rotation (3, 3) about axis `v` by |v| radians (Rodrigues)."""
    angle = float(np.sqrt(v @ v))
    if angle < 1e-12:
        return np.eye(3)
    x, y, z = v / angle
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * (k @ k)


def normalize(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def quat_from_matrix(m: np.ndarray) -> np.ndarray:
    """Unit quaternion (w, x, y, z) of one rotation matrix."""
    t = np.trace(m)
    if t > 0:
        s = 2.0 * np.sqrt(t + 1.0)
        q = [0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s]
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + m[i, i] - m[j, j] - m[k, k])
        q = [0.0, 0.0, 0.0, 0.0]
        q[0] = (m[k, j] - m[j, k]) / s
        q[1 + i] = 0.25 * s
        q[1 + j] = (m[j, i] + m[i, j]) / s
        q[1 + k] = (m[k, i] + m[i, k]) / s
    q = np.asarray(q)
    return q / np.linalg.norm(q)


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) of unit quaternions (..., 4)."""
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
        ],
        -2,
    )


def slerp(q0: np.ndarray, q1: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Spherical interpolation row by row: q0, q1 (N, 4), s (N,)."""
    dot = np.sum(q0 * q1, axis=-1)
    q1 = np.where(dot[:, None] < 0, -q1, q1)
    dot = np.abs(dot)
    theta = np.arccos(np.clip(dot, -1.0, 1.0))
    sin = np.sin(theta)
    small = sin < 1e-6
    safe = np.where(small, 1.0, sin)
    a = np.where(small, 1.0 - s, np.sin((1.0 - s) * theta) / safe)
    b = np.where(small, s, np.sin(s * theta) / safe)
    return normalize(a[:, None] * q0 + b[:, None] * q1)


def smooth_noise(
    rng: np.random.Generator, t: np.ndarray, channels: int, hz: tuple[float, float] = (0.15, 0.8)
) -> np.ndarray:
    """Band-limited noise, unit-ish amplitude: (len(t), channels), a sum of three sinusoids."""
    freq = rng.uniform(*hz, size=(3, channels))
    phase = rng.uniform(0, 2 * np.pi, size=(3, channels))
    amp = rng.uniform(0.4, 1.0, size=(3, channels))
    wave = np.sin(2 * np.pi * freq[None] * t[:, None, None] + phase[None]) * amp[None]
    return wave.sum(axis=1) / 1.5


def runs(
    rng: np.random.Generator, frames: int, rate_per_frame: np.ndarray | float, mean_length: float
) -> np.ndarray:
    """A boolean mask of random runs: starts at `rate_per_frame`, geometric lengths."""
    rate = np.broadcast_to(np.asarray(rate_per_frame, float), (frames,))
    starts = np.flatnonzero(rng.random(frames) < rate)
    mask = np.zeros(frames, bool)
    if starts.size:
        lengths = rng.geometric(1.0 / max(mean_length, 1.0), size=starts.size)
        for start, length in zip(starts, lengths, strict=True):
            mask[start : start + length] = True
    return mask
