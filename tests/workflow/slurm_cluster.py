"""A throwaway one-node SLURM cluster on localhost, for integration tests.

``SlurmCluster`` starts munged, slurmctld and slurmd in the foreground as child processes of the
test, with every key, socket, state, spool, pid and log file in one temporary directory, and a
minimal ``slurm.conf``: no accounting, no cgroups (proctrack/linuxproc, task/none), the node as
``slurmd -C`` reports it (CPUs and memory raised to MIN_CPUS / MIN_MEMORY_MB on a smaller machine),
one default partition, finished jobs kept visible to ``squeue`` for 10 minutes. ``stop()``
cancels what is still queued and ends the daemons it started (by their process ids), even after
a failure.

One file lies outside the temporary directory: ``/etc/slurm/slurm.conf``. The Snakemake job-step
executor strips every ``SLURM_*`` variable, ``SLURM_CONF`` included, before it calls ``srun``
inside a job, so ``srun`` must find the configuration at the default location. The copy there
starts with a marker line (temporary directory, test process id) and is removed by ``stop()``; a
file without the marker (a real SLURM set-up) makes :func:`unavailable_reason` refuse, so a
configured machine is never touched, and a copy left by a killed run is replaced.

The daemons need root (slurmd runs jobs as their owner); without it the test is skipped. They get
SIGTERM if the test process dies without its tear-down (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
MARKER = "# neurorecon throwaway test cluster:"
DAEMONS = ("munged", "munge", "unmunge", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "srun", "squeue", "sinfo", "scontrol", "scancel")
# Jobs ask for the rules' resources (one or two threads, mem_mb: 4000 today, more for training rules);
# a node smaller than this is declared this big (SlurmdParameters=config_overrides) so that no job
# pends forever on a small CI machine. Nothing is enforced without cgroups anyway.
MIN_CPUS = 2
MIN_MEMORY_MB = 16000


def _which(name: str) -> str | None:
    # Daemons live in /usr/sbin, which is not on every PATH.
    path = os.environ.get("PATH", os.defpath) + os.pathsep + "/usr/sbin:/sbin:/usr/bin"
    return shutil.which(name, path=path)


def _marker(conf: Path) -> tuple[Path, int] | None:
    """(temporary directory, test process id) from our marker line; None if ``conf`` is not ours."""
    try:
        first = conf.read_text().splitlines()[0]
    except (OSError, IndexError, UnicodeDecodeError):
        return None
    if not first.startswith(MARKER):
        return None
    root, _, pid = first[len(MARKER):].strip().rpartition(" pid=")
    return Path(root), int(pid) if pid.isdigit() else -1


def unavailable_reason() -> str | None:
    """Why a local cluster cannot be started here (a pytest skip reason), or None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "starting a local SLURM cluster needs root (slurmd runs jobs as their owner)"
    missing = [name for name in DAEMONS + CLIENTS if _which(name) is None]
    if missing:
        return (
            f"SLURM is not installed ({', '.join(missing)} missing); on Debian: apt-get install "
            "munge slurmctld slurmd slurm-client (.ci/run does this)"
        )
    if SYSTEM_CONF.exists() or SYSTEM_CONF.is_symlink():
        owner = _marker(SYSTEM_CONF)
        if owner is None:
            return f"{SYSTEM_CONF} exists: this machine has its own SLURM set-up, left alone"
        root, pid = owner
        if root.exists() and Path(f"/proc/{pid}").exists():
            return f"another throwaway test cluster is running ({root}, test process {pid})"
        # else: a copy left behind by a killed test run; start() replaces it.
    return None


def _free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports (so that a system SLURM on 6817/6818 never clashes)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _die_with_parent() -> None:
    """preexec_fn: the daemon gets SIGTERM if the test process dies without a teardown."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(missing)"
    return "\n".join(text[-lines:]) or "(empty)"


class ClusterError(RuntimeError):
    """The cluster did not come up; the message carries the daemons' logs."""


class SlurmCluster:
    """One node, one partition, no accounting. Use as a context manager or start()/stop()."""

    def __init__(self, cluster_name: str = "neurorecon") -> None:
        self.cluster_name = cluster_name
        self.node = socket.gethostname().split(".")[0]  # `hostname -s`
        self.partition = "debug"
        self.root: Path | None = None
        self.conf: Path | None = None
        self._procs: dict[str, subprocess.Popen] = {}
        self._wrote_system_conf = False
        self._made_system_dir = False

    # ---- set-up -------------------------------------------------------------------------------
    def __enter__(self) -> SlurmCluster:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 60.0) -> None:
        reason = unavailable_reason()
        if reason:
            raise ClusterError(reason)
        stale = _marker(SYSTEM_CONF)
        if stale is not None and stale[0].name.startswith("neurorecon-slurm-"):
            shutil.rmtree(stale[0], ignore_errors=True)  # left by a killed run (checked above)
        # munged insists that every directory above its socket is executable by all, which
        # pytest's 0700 tmp_path is not: use a fresh directory in the system temp dir.
        self.root = Path(tempfile.mkdtemp(prefix="neurorecon-slurm-"))
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> None:
        root = self.root
        root.chmod(0o755)
        for name, mode in (("munge", 0o700), ("run", 0o755), ("state", 0o700),
                           ("spool", 0o755), ("log", 0o755)):
            (root / name).mkdir(mode=mode)
        key = root / "munge" / "munge.key"
        key.write_bytes(os.urandom(128))
        key.chmod(0o600)
        self.munge_socket = root / "run" / "munge.socket"
        self._spawn("munged", [
            _which("munged"), "--foreground", f"--key-file={key}",
            f"--socket={self.munge_socket}", f"--pid-file={root / 'run' / 'munged.pid'}",
            f"--log-file={root / 'log' / 'munged.log'}", f"--seed-file={root / 'munge' / 'seed'}",
        ])
        self._wait("munged to answer", timeout, self._munge_works)

        self.conf = root / "slurm.conf"
        self.conf.write_text(self._slurm_conf())
        self._install_system_conf()
        self._spawn("slurmctld", [_which("slurmctld"), "-D", "-f", str(self.conf)])
        self._spawn("slurmd", [_which("slurmd"), "-D", "-f", str(self.conf), "-N", self.node])
        self._wait(f"node {self.node} to be idle", timeout, self._node_idle)

    def _slurm_conf(self) -> str:
        root = self.root
        node = self._node_line()
        ctld_port, slurmd_port = _free_ports(2)
        return f"""{MARKER} {root} pid={os.getpid()}
# Written by tests/workflow/slurm_cluster.py; removed when the test ends.
ClusterName={self.cluster_name}
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.munge_socket}
SlurmUser=root
SlurmdUser=root
StateSaveLocation={root / 'state'}
SlurmdSpoolDir={root / 'spool'}
SlurmctldPidFile={root / 'run' / 'slurmctld.pid'}
SlurmdPidFile={root / 'run' / 'slurmd.pid'}
SlurmctldLogFile={root / 'log' / 'slurmctld.log'}
SlurmdLogFile={root / 'log' / 'slurmd.log'}
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: works in containers and VMs without a delegated cgroup tree.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# No accounting daemon: sacct does not work, job status comes from squeue.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
# Keep finished jobs visible to squeue (the plugin's status source here) for 10 minutes.
MinJobAge=600
SlurmdParameters=config_overrides
{node}
PartitionName={self.partition} Nodes={self.node} Default=YES MaxTime=INFINITE State=UP
"""

    def _node_line(self) -> str:
        out = subprocess.run([_which("slurmd"), "-C"], capture_output=True, text=True, timeout=30)
        fields = dict(
            item.split("=", 1) for item in out.stdout.split("\n", 1)[0].split() if "=" in item
        )
        fields.pop("NodeName", None)
        cpus = int(fields.get("CPUs", 1))
        if cpus < MIN_CPUS:  # declare more CPUs than there are: drop the real topology
            fields = {"CPUs": str(MIN_CPUS), "RealMemory": fields.get("RealMemory", "1")}
        memory = max(int(fields.get("RealMemory", 1)), MIN_MEMORY_MB)
        fields["RealMemory"] = str(memory)
        spec = " ".join(f"{key}={value}" for key, value in fields.items())
        return f"NodeName={self.node} NodeAddr=127.0.0.1 {spec} State=UNKNOWN"

    def _install_system_conf(self) -> None:
        if not SYSTEM_CONF.parent.exists():
            SYSTEM_CONF.parent.mkdir(parents=True)
            self._made_system_dir = True
        # Only reached when the file is absent or a stale copy of ours (unavailable_reason).
        tmp = SYSTEM_CONF.with_name(f".{SYSTEM_CONF.name}.{os.getpid()}")
        shutil.copyfile(self.conf, tmp)
        tmp.chmod(0o644)
        os.replace(tmp, SYSTEM_CONF)
        self._wrote_system_conf = True

    def _spawn(self, name: str, argv: list[str]) -> None:
        out = open(self.root / "log" / f"{name}.out", "wb")
        try:
            self._procs[name] = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env=self.env(), preexec_fn=_die_with_parent,
            )
        finally:
            out.close()

    def _wait(self, what: str, timeout: float, ready) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self._procs.items():
                if proc.poll() is not None:
                    raise ClusterError(
                        f"{name} exited with status {proc.returncode} while waiting for {what}\n"
                        + self.logs()
                    )
            if ready():
                return
            time.sleep(0.5)
        raise ClusterError(f"timed out after {timeout:.0f} s waiting for {what}\n" + self.logs())

    def _munge_works(self) -> bool:
        sock = f"--socket={self.munge_socket}"
        try:
            cred = subprocess.run([_which("munge"), sock, "--no-input"], capture_output=True,
                                  timeout=10)
            check = subprocess.run([_which("unmunge"), sock], input=cred.stdout,
                                   capture_output=True, timeout=10)
        except subprocess.TimeoutExpired:
            return False
        return cred.returncode == 0 and check.returncode == 0

    def _node_idle(self) -> bool:
        try:
            out = self.client("sinfo", "--noheader", "--Node", "--format=%N %T", timeout=10)
        except subprocess.TimeoutExpired:
            return False
        return out.returncode == 0 and f"{self.node} idle" in out.stdout

    # ---- use ----------------------------------------------------------------------------------
    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """``base`` (default os.environ) pointed at this cluster, minus an enclosing job's vars."""
        env = {
            key: value for key, value in (os.environ if base is None else base).items()
            if not key.startswith(("SLURM_", "SBATCH_", "SRUN_", "SALLOC_", "SQUEUE_"))
        }
        if self.conf is not None:
            env["SLURM_CONF"] = str(self.conf)
        env["PATH"] = env.get("PATH", os.defpath) + os.pathsep + "/usr/sbin:/sbin"
        return env

    def client(self, command: str, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        """Run a SLURM client command (sinfo, squeue, ...) against this cluster."""
        return subprocess.run([_which(command), *args], capture_output=True, text=True,
                              timeout=timeout, env=self.env())

    def jobs(self) -> dict[str, dict[str, str]]:
        """Jobs slurmctld still knows (finished ones for MinJobAge): id -> state, name, reason."""
        out = self.client("squeue", "--states=all", "--noheader", "--format=%i|%T|%j|%r")
        jobs = {}
        for line in out.stdout.splitlines():
            parts = line.split("|")
            if len(parts) == 4:
                jobs[parts[0]] = {"state": parts[1], "name": parts[2], "reason": parts[3]}
        return jobs

    def wait_for_job(self, job_id: str, timeout: float = 60.0) -> str:
        """Wait until a job has ended; its final state (COMPLETED, FAILED, ...) or "TIMEOUT"."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.jobs().get(job_id, {}).get("state", "")
            if state and state not in ("PENDING", "CONFIGURING", "RUNNING", "COMPLETING"):
                return state
            time.sleep(0.2)
        return "TIMEOUT"

    def logs(self, lines: int = 40) -> str:
        """The tails of the daemons' logs and the queue, for failure messages."""
        if self.root is None:
            return ""
        parts = []
        for path in sorted((self.root / "log").glob("*.log")):
            parts.append(f"----- {path.name} (last {lines} lines) -----\n{_tail(path, lines)}")
        for path in sorted((self.root / "log").glob("*.out")):  # before logging starts
            parts.append(f"----- {path.name} (stdout/stderr, first lines) -----\n"
                         + "\n".join(_tail(path, 10**6).splitlines()[:15]))
        if "slurmctld" in self._procs and self._procs["slurmctld"].poll() is None:
            try:
                queue = self.client("squeue", "--states=all", timeout=10).stdout
            except subprocess.TimeoutExpired:
                queue = "(squeue timed out)"
            parts.append(f"----- squeue --states=all -----\n{queue}")
        return "\n".join(parts)

    # ---- tear-down ----------------------------------------------------------------------------
    def stop(self, timeout: float = 20.0) -> None:
        """Cancel remaining jobs, end the daemons this object started, remove what it wrote."""
        ctld = self._procs.get("slurmctld")
        if ctld is not None and ctld.poll() is None:
            try:
                self.client("scancel", "--full", f"--partition={self.partition}", timeout=10)
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    active = [j for j in self.jobs().values()
                              if j["state"] in ("PENDING", "RUNNING", "COMPLETING", "CONFIGURING")]
                    if not active:
                        break
                    time.sleep(0.5)
            except subprocess.TimeoutExpired:
                pass
        for name in ("slurmd", "slurmctld", "munged"):  # reverse order of start
            proc = self._procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        if self._wrote_system_conf and self.root is not None:
            owner = _marker(SYSTEM_CONF)
            if owner is not None and owner[0] == self.root:
                SYSTEM_CONF.unlink(missing_ok=True)
            self._wrote_system_conf = False
        if self._made_system_dir:
            try:
                SYSTEM_CONF.parent.rmdir()
            except OSError:
                pass
            self._made_system_dir = False

    def remove(self) -> None:
        """Delete the temporary directory (after stop(); keep it to read the logs)."""
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
