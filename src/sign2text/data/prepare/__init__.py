"""Preparation: read every clip once into one memory-mapped array per split plus an index."""

from sign2text.data.prepare.combine import combine
from sign2text.data.prepare.engine import prepare
from sign2text.data.prepare.how2sign import plan_how2sign, prepare_how2sign
from sign2text.data.prepare.listed import plan_listed, plan_pose_folder, prepare_pose_folder
from sign2text.data.prepare.manifest import plan_manifest, prepare_manifest
from sign2text.data.prepare.phoenix import plan_phoenix, prepare_phoenix
from sign2text.data.prepare.plan import ClipSource, Plan

__all__ = [
    "ClipSource",
    "Plan",
    "combine",
    "plan_how2sign",
    "plan_listed",
    "plan_manifest",
    "plan_phoenix",
    "plan_pose_folder",
    "prepare",
    "prepare_how2sign",
    "prepare_manifest",
    "prepare_phoenix",
    "prepare_pose_folder",
]
