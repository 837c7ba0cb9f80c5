"""How the classroom's Voilà serves a whole class: offline, one kernel per student, capped, culled.

* **Offline.** The page template ``lstm-classroom`` (shipped in ``widgets/jupyter``) is Voilà's lab
  page without the Font Awesome stylesheets it fetches from a CDN (Voilà's bundle has the icons).
* **Culled.** Every page load starts a kernel, and Voilà's page-leave shutdown is refused by the
  server (``403 '_xsrf' argument missing``, voila#1458), so kernels of closed or reloaded tabs would
  pile up. Jupyter's own culler shuts a kernel that has had no connection and no activity for
  ``cull_after`` seconds; a student's open tab keeps its kernel connected, so it is never culled.
* **Capped.** :class:`CappedKernelManager` refuses a new kernel when ``max_kernels`` are running:
  the student sees a page saying the classroom is full (HTTP 503), not a page that never loads.
"""
from __future__ import annotations

import ipaddress
import socket
from importlib.resources import files
from pathlib import Path

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError
from traitlets import Integer

TEMPLATE = "lstm-classroom"

#: What a student sees when the classroom is full.
FULL_MESSAGE = ("The classroom is full: {n} students are connected. Ask the lecturer to restart it with a larger "
                "--max-students, or open the exported page (lstm-explainer export-html), which needs no server. "
                "课堂已满：已有 {n} 名学生连接。")


class CappedKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager with at most ``max_kernels`` kernels: one per student's page."""

    max_kernels = Integer(40, config=True, help="the most kernels (students' pages) running at once")

    async def start_kernel(self, *args, **kwargs):
        if len(self.list_kernel_ids()) >= self.max_kernels:
            raise HTTPError(503, reason=FULL_MESSAGE.format(n=self.max_kernels))
        return await super().start_kernel(*args, **kwargs)


def jupyter_dir() -> Path:
    """The folder to put on ``JUPYTER_PATH`` so Voilà finds the ``lstm-classroom`` template."""
    return Path(str(files("widgets") / "jupyter"))


def voila_options(cull_after: int, max_students: int) -> list[str]:
    """Voilà's command-line options for the template, the culler and the cap."""
    interval = max(1, min(60, cull_after // 2))
    return [f"--template={TEMPLATE}",
            "--VoilaConfiguration.multi_kernel_manager_class=widgets.classroom_server.CappedKernelManager",
            f"--CappedKernelManager.max_kernels={max_students}",
            f"--MappingKernelManager.cull_idle_timeout={cull_after}",
            f"--MappingKernelManager.cull_interval={interval}",
            "--MappingKernelManager.cull_connected=False",
            "--MappingKernelManager.cull_busy=False"]


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses a student's device can reach (not loopback), best first.

    The address the default route leaves from (found with an unconnected UDP socket: nothing is
    sent), then those the host name resolves to.
    """
    found: list[str] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # UDP connect sends nothing; it picks the outgoing address
            found.append(s.getsockname()[0])
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(info[4][0])
    except OSError:
        pass
    out = []
    for a in found:
        ip = ipaddress.ip_address(a)
        if not ip.is_loopback and not ip.is_unspecified and a not in out:
            out.append(a)
    return out


__all__ = ["CappedKernelManager", "voila_options", "jupyter_dir", "lan_addresses", "TEMPLATE", "FULL_MESSAGE"]
