"""The pinhole camera: per-video placement of signer and camera, projection to 1280x720 pixels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spec import Spec

WIDTH, HEIGHT = 1280, 720


@dataclass(frozen=True)
class Camera:
    """Where the camera stands relative to the signer (one per video)."""

    yaw: float  # the signer's body turn, radians (positive: toward the signer's left)
    distance: float  # metres from the aim point
    focal: float  # pixels
    tilt: float  # radians, positive: camera above, looking down
    roll: float  # radians
    shift: tuple[float, float]  # pixels: where the aim point lands, from the image centre
    aim: float  # aim height relative to the neck, metres


def sample_camera(spec: Spec, rng: np.random.Generator) -> Camera:
    return Camera(
        yaw=float(np.radians(rng.uniform(-spec.yaw_deg, spec.yaw_deg))),
        distance=float(rng.uniform(*spec.camera_distance)),
        focal=float(rng.uniform(*spec.focal_px)),
        tilt=float(np.radians(rng.uniform(-spec.camera_tilt_deg, spec.camera_tilt_deg))),
        roll=float(np.radians(rng.uniform(-spec.camera_roll_deg, spec.camera_roll_deg))),
        shift=(
            float(rng.uniform(-spec.frame_shift_px, spec.frame_shift_px)),
            float(rng.uniform(-0.4, 0.4) * spec.frame_shift_px),
        ),
        aim=float(rng.uniform(-0.06, 0.02)),
    )


def basis(camera: Camera, neck_height: float) -> tuple[np.ndarray, np.ndarray]:
    """Camera centre (3,) and rows (right, up, forward) as a (3, 3) matrix, world frame."""
    t, r = camera.tilt, camera.roll
    aim = np.array([0.0, neck_height + camera.aim, 0.0])
    back = np.array([0.0, np.sin(t), np.cos(t)])
    centre = aim + camera.distance * back
    forward = -back
    right = np.array([1.0, 0.0, 0.0])
    up = np.cross(right, forward)
    right, up = np.cos(r) * right + np.sin(r) * up, -np.sin(r) * right + np.cos(r) * up
    return centre, np.stack([right, up, forward])


def project(
    points: np.ndarray, camera: Camera, neck_height: float
) -> tuple[np.ndarray, np.ndarray]:
    """World points (..., 3) -> pixels (..., 2) and depth (...) in metres."""
    centre, rows = basis(camera, neck_height)
    cam = (points - centre) @ rows.T
    depth = np.maximum(cam[..., 2], 0.05)
    u = WIDTH / 2 + camera.shift[0] + camera.focal * cam[..., 0] / depth
    v = HEIGHT / 2 + camera.shift[1] - camera.focal * cam[..., 1] / depth
    return np.stack([u, v], axis=-1), depth
