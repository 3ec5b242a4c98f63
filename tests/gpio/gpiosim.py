"""Simulated GPIO chips of the Linux kernel (gpio-sim), for the GPIO lane.

A chip is made through configfs; the kernel then shows it as
/dev/gpiochipN, a real GPIO character device that libgpiod opens like any
other. For each line, sysfs shows `value` (the level a consumer drives)
and `pull` (the level an input reads: changing it makes an edge). The
root's own gpiod tools (v1 or v2) report what the kernel holds, and the
gpio_value trace event records every level a consumer sets.
"""
import os
import re
import subprocess
import time

CONFIGFS = "/sys/kernel/config/gpio-sim"
TRACING = "/sys/kernel/tracing"
DEBUG_GPIO = "/sys/kernel/debug/gpio"
SYSFS_GPIO = "/sys/class/gpio"


def available():
    return os.path.isdir(CONFIGFS)


class Chip:
    """One simulated chip with one bank: num_lines lines, some named."""

    def __init__(self, name, num_lines=8, names=None):
        self.dir = os.path.join(CONFIGFS, name)
        self.names = dict(names or {})
        self.num_lines = num_lines
        bank = os.path.join(self.dir, "bank0")
        os.makedirs(bank)
        self._write(os.path.join(bank, "num_lines"), num_lines)
        for off, line_name in self.names.items():
            os.mkdir(os.path.join(bank, f"line{off}"))
            self._write(os.path.join(bank, f"line{off}", "name"), line_name)
        self._write(os.path.join(self.dir, "live"), 1)
        self.chip_name = self._read(os.path.join(bank, "chip_name"))
        self.number = int(self.chip_name[len("gpiochip"):])
        self.dev_name = self._read(os.path.join(self.dir, "dev_name"))
        self.sysfs = os.path.join("/sys/devices/platform", self.dev_name,
                                  self.chip_name)
        self.base = self._base()

    @staticmethod
    def _write(path, value):
        with open(path, "w") as f:
            f.write(f"{value}\n")

    @staticmethod
    def _read(path):
        with open(path) as f:
            return f.read().strip()

    def _base(self):
        """The chip's first global GPIO number, as trace events give it:
        from the legacy sysfs class (kernels 6.x and 7.x), or debugfs."""
        for entry in sorted(os.listdir(SYSFS_GPIO)):
            if not entry.startswith("gpiochip"):
                continue
            path = os.path.join(SYSFS_GPIO, entry)
            dev = os.path.realpath(os.path.join(path, "device"))
            if os.path.basename(dev) in (self.dev_name, self.chip_name):
                return int(self._read(os.path.join(path, "base")))
        with open(DEBUG_GPIO) as f:
            for line in f:
                m = re.match(r"(gpiochip\d+): GPIOs (\d+)-", line)
                if m and m.group(1) == self.chip_name:
                    return int(m.group(2))
        raise AssertionError(f"no global GPIO numbers for {self.chip_name}")

    def value(self, offset):
        """The level on the line: what its consumer drives (0 or 1)."""
        return int(self._read(os.path.join(self.sysfs, f"sim_gpio{offset}",
                                           "value")))

    def pull(self, offset, level):
        """Drive an input from outside: 1 = pull-up, 0 = pull-down."""
        self._write(os.path.join(self.sysfs, f"sim_gpio{offset}", "pull"),
                    "pull-up" if level else "pull-down")

    def get_pull(self, offset):
        return self._read(os.path.join(self.sysfs, f"sim_gpio{offset}",
                                       "pull"))

    def wait_value(self, offset, value, timeout=5.0):
        """Wait until the line is at value; return the time it was seen."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if self.value(offset) == value:
                return now
            if now > deadline:
                raise AssertionError(
                    f"{self.chip_name} line {offset} never reached {value}")
            time.sleep(0.002)

    def close(self):
        self._write(os.path.join(self.dir, "live"), 0)
        for off in self.names:
            os.rmdir(os.path.join(self.dir, "bank0", f"line{off}"))
        os.rmdir(os.path.join(self.dir, "bank0"))
        os.rmdir(self.dir)


# ---- the gpiod tools of the root under test (libgpiod v1 or v2) ----

def tools_version():
    out = subprocess.run(["gpioinfo", "--version"], capture_output=True,
                         text=True).stdout
    m = re.search(r"v(\d+)\.", out)
    return int(m.group(1)) if m else 0


def line_info(chip, offset):
    """What gpioinfo says of one line: used, consumer, direction, flags."""
    v2 = tools_version() >= 2
    args = ["gpioinfo", "-c", chip.chip_name] if v2 else \
        ["gpioinfo", chip.chip_name]
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    for text in out.stdout.splitlines():
        m = re.match(r"\s*line\s+(\d+):\s*(.*)$", text)
        if not m or int(m.group(1)) != offset:
            continue
        rest = m.group(2)
        info = {"text": text.strip(), "consumer": None}
        if v2:
            # the last field, quoted or not, spaces and all
            c = re.search(r'consumer=(.*)$', rest)
            if c:
                info["consumer"] = c.group(1).strip().strip('"')
        else:
            quoted = re.findall(r'"([^"]*)"|unnamed|unused', rest)
            if len(quoted) > 1 and quoted[1]:
                info["consumer"] = quoted[1]
        info["used"] = info["consumer"] is not None or "[used" in rest
        words = set(re.split(r"[\s\[\]]+", rest))
        info["output"] = "output" in words
        info["active_low"] = "active-low" in words
        b = re.search(r"bias=(\S+)", rest)
        info["bias"] = b.group(1) if b else next(
            (w for w in ("pull-up", "pull-down") if w in words), None)
        return info
    raise AssertionError(f"gpioinfo shows no line {offset}:\n{out.stdout}")


def hold_line(chip, offset, value=1):
    """Another process holding a line as an output, as gpioset does."""
    if tools_version() >= 2:
        args = ["gpioset", "-c", chip.chip_name, f"{offset}={value}"]
    else:
        args = ["gpioset", "--mode=signal", chip.chip_name,
                f"{offset}={value}"]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 5
    while line_info(chip, offset)["consumer"] != "gpioset":
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError("gpioset did not take the line")
        time.sleep(0.02)
    return proc


# ---- gpio_value trace events: every level set, by whom ----

class ValueTrace:
    """Records every level consumers set (gpio_value events, set only),
    stamped on the clock of time.monotonic()."""

    def __enter__(self):
        self._write("trace_clock", "mono")
        self._write("events/gpio/gpio_value/enable", 1)
        self._write("trace", "")
        return self

    def __exit__(self, *exc):
        self._write("events/gpio/gpio_value/enable", 0)

    @staticmethod
    def _write(name, value):
        with open(os.path.join(TRACING, name), "w") as f:
            f.write(f"{value}\n")

    def sets(self, chip):
        """[(task, offset, value)] for chip's lines, oldest first."""
        return [(task, off, v) for _, task, _, off, v in
                self.timed_sets(chip)]

    def timed_sets(self, chip):
        """[(time, task, pid, offset, value)] for chip's lines, oldest
        first; task is the process name, cut to 15 characters."""
        out = []
        with open(os.path.join(TRACING, "trace")) as f:
            for text in f:
                m = re.match(r"\s*(\S+)-(\d+)\s.*?(\d+\.\d+): "
                             r"gpio_value: (\d+) set (\d)", text)
                if not m:
                    continue
                off = int(m.group(4)) - chip.base
                if 0 <= off < chip.num_lines:
                    out.append((float(m.group(3)), m.group(1),
                                int(m.group(2)), off, int(m.group(5))))
        return out

    def last_set(self, chip, offset):
        values = [v for _, off, v in self.sets(chip) if off == offset]
        return values[-1] if values else None
