"""Start-up measurement shared by bench/proxy/startup.sh and bench/proxy/floor.sh: start a fresh process on free
ports, time it until an HTTP GET on it answers 200, then read its VmRSS after 2 s idle, and stop it."""
import http.client, os, signal, socket, subprocess, sys, time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers_200(port, path):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        c.close()
        return r.status == 200
    except OSError:
        return False


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0


def measure(starts, launch, log_dir):
    """launch(n) -> (argv, port, path). Returns (start-to-200 times in ms, RSS in MB 2 s after)."""
    times, rss = [], []
    for n in range(starts):
        args, port, path = launch(n)
        log = os.path.join(log_dir, f"log-{n}")
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(log, "w"))
        try:
            while not answers_200(port, path):
                if proc.poll() is not None or time.perf_counter() > start + 30:
                    sys.exit(f"{args[0]} did not answer (exit {proc.poll()}): " + open(log).read()[-2000:])
                time.sleep(0.001)
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(2)
            rss.append(rss_mb(proc.pid))
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return times, rss
