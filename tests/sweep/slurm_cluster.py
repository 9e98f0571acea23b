"""A throw-away single-node Slurm cluster (Debian's slurmctld, slurmd and munge) for the executor tests.

Everything lives in a temporary folder: a fresh munge key and socket, ``slurm.conf`` with free ports, state and
spool folders, logs. :func:`start` runs munged, slurmctld and slurmd in the foreground as child processes and
waits until the node is idle; :func:`stop` ends exactly those processes. Needs root (slurmd runs as root) and
``apt-get install slurmctld slurmd slurm-client munge``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "sinfo", "squeue", "scancel")


def missing() -> str | None:
    """Why a cluster cannot be started here (``None`` when it can)."""
    absent = [d for d in DAEMONS if shutil.which(d) is None and not Path(f"/usr/sbin/{d}").exists()]
    if absent:
        return f"{', '.join(absent)} not installed (apt-get install slurmctld slurmd slurm-client munge)"
    if os.geteuid() != 0:
        return "slurmd must run as root"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]
    procs: list[subprocess.Popen] = field(default_factory=list)


def start(root: Path, timeout: float = 60.0) -> Cluster:
    """Start munged, slurmctld and slurmd under ``root``; return once ``sinfo`` shows the node idle."""
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("state", "spool", "log"):
        (root / sub).mkdir(exist_ok=True)
    key = root / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o600)
    host = socket.gethostname().split(".")[0]
    sock = root / "munge.sock"
    conf = root / "slurm.conf"
    conf.write_text("\n".join([
        "ClusterName=depthlabtest", f"SlurmctldHost={host}", "SlurmUser=root", "SlurmdUser=root",
        f"SlurmctldPort={_free_port()}", f"SlurmdPort={_free_port()}", "AuthType=auth/munge",
        f"AuthInfo=socket={sock}", "CredType=cred/munge", f"StateSaveLocation={root / 'state'}",
        f"SlurmdSpoolDir={root / 'spool'}", f"SlurmctldPidFile={root / 'slurmctld.pid'}",
        f"SlurmdPidFile={root / 'slurmd.pid'}", f"SlurmctldLogFile={root / 'log/slurmctld.log'}",
        f"SlurmdLogFile={root / 'log/slurmd.log'}", "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
        "SchedulerType=sched/builtin", "SelectType=select/cons_tres", "SelectTypeParameters=CR_CPU",
        "ReturnToService=2", "MpiDefault=none", "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        f"NodeName={host} CPUs={os.cpu_count() or 1} State=UNKNOWN",
        "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP", ""]))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    cluster = Cluster(root, env)
    log = open(root / "log" / "daemons.out", "ab")
    commands = [
        [_bin("munged"), "-F", "-f", f"--key-file={key}", f"--socket={sock}", f"--pid-file={root / 'munged.pid'}",
         f"--log-file={root / 'log/munged.log'}", f"--seed-file={root / 'munged.seed'}"],
        [_bin("slurmctld"), "-D", "-i"],
        [_bin("slurmd"), "-D"],
    ]
    try:
        for cmd in commands:
            cluster.procs.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=log, cwd=root))
            time.sleep(1.0)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = subprocess.run([_bin("sinfo"), "-h", "-o", "%T"], env=env, capture_output=True, text=True)
            if out.returncode == 0 and out.stdout.strip() == "idle":
                return cluster
            if any(p.poll() is not None for p in cluster.procs):
                break
            time.sleep(0.5)
    except BaseException:
        stop(cluster)
        raise
    stop(cluster)
    raise RuntimeError(f"the test Slurm cluster did not come up; logs in {root / 'log'}")


def stop(cluster: Cluster, drain_s: float = 60.0) -> None:
    """Let running jobs finish (cancel them after ``drain_s``), then end the daemons this cluster started.

    Stopping slurmd while a job step is completing would leave its slurmstepd and srun behind.
    """
    if all(p.poll() is None for p in cluster.procs) and len(cluster.procs) == 3:
        deadline = time.monotonic() + drain_s
        while time.monotonic() < deadline:
            out = subprocess.run([_bin("squeue"), "-h"], env=cluster.env, capture_output=True, text=True)
            if out.returncode != 0 or not out.stdout.strip():
                break
            time.sleep(0.5)
        else:
            subprocess.run([_bin("scancel"), "--full", "--user=root"], env=cluster.env, capture_output=True)
            time.sleep(3)
    for proc in reversed(cluster.procs):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
