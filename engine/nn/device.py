"""Pick the compute device (cuda, then mps, then cpu) and describe it in one line."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from engine.errors import DeviceError, Hint
from engine.note import note

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
# What to ask for instead when a requested accelerator is missing.
_OTHER_DEVICES = (Hint(setting="device", value="auto"), Hint(setting="device", value="cpu"))


@dataclass(frozen=True)
class DeviceInfo:
    """The device computations run on.

    Attributes:
        name: a torch device string such as "cuda:0" or "cpu".
        description: one line for the status bar, e.g. "cuda:0 NVIDIA H100 80GB HBM3 · torch 2.13.0".
    """

    name: str
    description: str

    @property
    def torch_device(self) -> torch.device:
        return torch.device(self.name)


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def _available_ram() -> int | None:
    """Bytes of RAM the system can hand out now, or None where it cannot say.

    Linux's MemAvailable counts the page cache it can drop; the free-page count
    (SC_AVPHYS_PAGES) does not, and on a machine that has read many files it is far too low.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def free_memory(device: str) -> int | None:
    """Bytes free on `device` ("cpu", "cuda", "cuda:1", "mps"), or None where it cannot be told."""
    if device.startswith("cuda"):
        try:
            free, _total = torch.cuda.mem_get_info(torch.device(device))
        except (RuntimeError, AssertionError, ValueError):
            return None
        return int(free)
    if device == "cpu":
        return _available_ram()
    return None  # mps shares the system's memory and reports no free amount


def format_bytes(count: float) -> str:
    """1536 -> "1.5 KB"; decimal units, as disk and memory sizes are usually given."""
    if count < 1000:
        return f"{count:,.0f} bytes"
    for unit in ("KB", "MB"):
        count /= 1000
        if count < 1000:
            return f"{count:,.1f} {unit}"
    return f"{count / 1000:,.1f} GB"


def pick_device(requested: str = "auto") -> DeviceInfo:
    """Resolve `requested` to an available device.

    "auto" falls back from cuda to mps to cpu; naming a device that is not there is an error
    rather than a silent fallback, so timings and numbers are never attributed to the wrong device.
    """
    if requested not in DEVICE_CHOICES:
        raise DeviceError(
            note(
                "unknown device {device} (choose from {choices})",
                device=repr(requested),
                choices=", ".join(DEVICE_CHOICES),
            )
        )
    if requested == "auto":
        if torch.cuda.is_available():
            requested = "cuda"
        elif _mps_available():
            requested = "mps"
        else:
            requested = "cpu"
    version = f"torch {torch.__version__}"
    if requested == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(
                note(
                    "the cuda device was requested but CUDA is not available ({version} was built with CUDA)"
                    if torch.version.cuda
                    else "the cuda device was requested but CUDA is not available ({version} was built "
                    "without CUDA)",
                    version=version,
                ),
                _OTHER_DEVICES,
            )
        index = torch.cuda.current_device()
        return DeviceInfo(f"cuda:{index}", f"cuda:{index} {torch.cuda.get_device_name(index)} · {version}")
    if requested == "mps":
        if not _mps_available():
            raise DeviceError(
                note("the mps device was requested but Apple's Metal backend is not available here"),
                _OTHER_DEVICES,
            )
        return DeviceInfo("mps", note("mps (Apple GPU) · {version}", version=version))
    threads = torch.get_num_threads()
    return DeviceInfo(
        "cpu",
        note(
            "cpu ({count} thread) · {version}" if threads == 1 else "cpu ({count} threads) · {version}",
            count=threads,
            version=version,
        ),
    )
