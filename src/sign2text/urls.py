"""URLs as messages and records show them: without their passwords."""

from __future__ import annotations

import re


def mask_password(url: str) -> str:
    """`url` (or any text holding URLs) with passwords replaced by ***, for anything printed,
    logged or recorded."""
    return re.sub(r"([\w+.-]+://[^:/@\s]*):[^@\s]*@", r"\1:***@", url)
