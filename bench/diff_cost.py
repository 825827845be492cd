"""How long the diff takes as articles grow: `python bench/diff_cost.py [--quick]`.

Synthetic articles of sentence-like paragraphs (seeded, so runs are comparable).

Growth: articles of 10 to 2,000 paragraphs revised with 1% and 30% of paragraphs
changed (mostly word edits, a few paragraphs added or removed); `diff_blocks` is
timed RUNS times and the median counts.

Large changes: articles of 10,000 and 100,000 paragraphs with 1% edited, every
paragraph edited, 1% moved elsewhere, 10% split in two, and every paragraph edited
in an article of short paragraphs (8 words, about 50 bytes: the 5.3 MB page of
100,000 paragraphs that took 199 s before the work budget). `diff_versions` (what
the pipeline calls: alignment, word diffs, classification) is timed, in wall and
CPU seconds (other work on the machine slows the first, not the second), with the
budget the diff spent and the cheaper rules it used past it (newscrawler/diffing.py,
"Cost"). `--quick` stops at 10,000 paragraphs.
"""
import argparse
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newscrawler.diffing import Work, count_ops, diff_blocks, diff_versions  # noqa: E402

SIZES = [10, 100, 500, 1000, 2000]
EDIT_RATES = [0.01, 0.30]
RUNS = 7
TARGET_MS = 50
LARGE_SIZES = [10_000, 100_000]
LARGE_RUNS = {10_000: 3, 100_000: 1}
TARGET_LARGE_CPU_S = 5  # 100,000 short paragraphs, every one edited ("a few seconds")
SEED = 20090510

NOUNS = ("minister government council police report company hospital school court officials "
         "residents campaign economy election market bank river bridge weather team season "
         "inquiry spokesman budget plan committee union workers village city country").split()
VERBS = ("said announced confirmed denied warned claimed revealed agreed rejected expected "
         "approved questioned criticised welcomed promised reported").split()
FILLER = ("the a new local national former senior last next this that several many more "
          "than after before during over under with without about against on in at for "
          "and but while because however also still already").split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(FILLER + NOUNS) for _ in range(rng.randint(6, 20))]
    words.insert(rng.randint(1, len(words) - 1), rng.choice(VERBS))
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(1, 3)))


def edit_words(rng: random.Random, text: str) -> str:
    words = text.split()
    for _ in range(rng.randint(1, 3)):
        words[rng.randrange(len(words))] = rng.choice(NOUNS + VERBS)
    return " ".join(words)


def revise(rng: random.Random, body: list[str], rate: float) -> list[str]:
    """Change `rate` of the paragraphs: 80% word edits, 10% removed, 10% new ones added."""
    new = list(body)
    changed = sorted(rng.sample(range(len(body)), max(1, round(rate * len(body)))), reverse=True)
    for k in changed:  # from the end, so earlier indices stay valid
        roll = rng.random()
        if roll < 0.8:
            new[k] = edit_words(rng, new[k])
        elif roll < 0.9:
            del new[k]
        else:
            new.insert(k, paragraph(rng))
    return new


def every_paragraph_edited(rng: random.Random, body: list[str]) -> list[str]:
    return [edit_words(rng, text) for text in body]


def moved(rng: random.Random, body: list[str], rate: float = 0.01) -> list[str]:
    new = list(body)
    for _ in range(round(rate * len(body))):
        new.insert(rng.randrange(len(new)), new.pop(rng.randrange(len(new))))
    return new


def split(rng: random.Random, body: list[str], rate: float = 0.10) -> list[str]:
    new = list(body)
    for k in sorted(rng.sample(range(len(body)), round(rate * len(body))), reverse=True):
        words = new[k].split()
        cut = rng.randint(1, len(words) - 1)
        new[k:k + 1] = [" ".join(words[:cut]), " ".join(words[cut:])]
    return new


def short_paragraphs(body: list[str]) -> list[str]:
    return [" ".join(text.split()[:8]) for text in body]


# case: (old body from the article's paragraphs, new body from the old one)
LARGE_CASES = {
    "1% edited": (list, lambda rng, body: revise(rng, body, 0.01)),
    "100% edited": (list, every_paragraph_edited),
    "1% moved": (list, moved),
    "10% split": (list, split),
    "100% short": (short_paragraphs, every_paragraph_edited),
}


def median_ms(old: list[str], new: list[str]) -> float:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        diff_blocks(old, new)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def growth_exponent(sizes: list[int], times_ms: list[float]) -> float:
    """Least-squares slope of log(time) against log(n): 1 is linear, 2 quadratic."""
    xs, ys = [math.log(n) for n in sizes], [math.log(t) for t in times_ms]
    x_mean, y_mean = statistics.fmean(xs), statistics.fmean(ys)
    return (sum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys))
            / sum((x - x_mean) ** 2 for x in xs))


def ops_text(counts: dict) -> str:
    return f"{counts['added']}/{counts['removed']}/{counts['edited']}/{counts['moved']}"


def growth(rng: random.Random) -> dict[float, list[float]]:
    times = {rate: [] for rate in EDIT_RATES}
    print(f"{'paragraphs':>10} {'edited':>7} {'median ms':>10}  ops (added/removed/edited/moved)")
    for size in SIZES:
        body = [paragraph(rng) for _ in range(size)]
        for rate in EDIT_RATES:
            new = revise(rng, body, rate)
            times[rate].append(median_ms(body, new))
            print(f"{size:>10} {rate:>7.0%} {times[rate][-1]:>10.2f}  {ops_text(count_ops(diff_blocks(body, new)))}")
    for rate in EDIT_RATES:
        print(f"growth exponent {rate:.0%} edited, {SIZES[0]}→{SIZES[-1]}: "
              f"{growth_exponent(SIZES, times[rate]):.2f}")
    return times


def timed_diff(old: list[str], new: list[str], runs: int) -> tuple[float, float, dict, Work]:
    """Median wall and CPU seconds of diff_versions, its op counts and the Work of one run."""
    walls, cpus = [], []
    for _ in range(runs):
        work = Work()
        wall, cpu = time.perf_counter(), time.process_time()
        diff = diff_versions({"headline": "Headline", "body": old}, {"headline": "Headline", "body": new}, work)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), diff["counts"], work


def large_changes(rng: random.Random, sizes: list[int]) -> dict[tuple[int, str], float]:
    print(f"\n{'paragraphs':>10} {'case':>12} {'MB':>5} {'wall s':>7} {'CPU s':>6}  "
          f"{'ops (a/r/e/m)':<22} budget spent (pairing, matching); rules past it")
    cpu_seconds = {}
    for size in sizes:
        article = [paragraph(rng) for _ in range(size)]
        for case, (make_old, make_new) in LARGE_CASES.items():
            body = make_old(article)
            megabytes = sum(len(text.encode()) + 1 for text in body) / 1e6
            wall, cpu, counts, work = timed_diff(body, make_new(rng, body), LARGE_RUNS.get(size, 1))
            cpu_seconds[size, case] = cpu
            fallbacks = ", ".join(f"{rule} {count}" for rule, count in sorted(work.fallbacks.items()))
            print(f"{size:>10} {case:>12} {megabytes:>5.1f} {wall:>7.2f} {cpu:>6.2f}  {ops_text(counts):<22} "
                  f"{work.spent['pairing'] / 1e6:.1f}M, {work.spent['matching'] / 1e6:.1f}M; {fallbacks or 'none'}")
    return cpu_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="large changes up to 10,000 paragraphs only")
    args = parser.parse_args()
    print(f"nproc {os.cpu_count()}; load average before the run "
          + ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    rng = random.Random(SEED)
    times = growth(rng)
    cpu_seconds = large_changes(rng, LARGE_SIZES[:1] if args.quick else LARGE_SIZES)
    headline_ms = times[EDIT_RATES[0]][-1]
    largest = max(size for size, _ in cpu_seconds)
    short_cpu, long_cpu = cpu_seconds[largest, "100% short"], cpu_seconds[largest, "100% edited"]
    growth_met = headline_ms < TARGET_MS
    large_met = largest < LARGE_SIZES[-1] or short_cpu < TARGET_LARGE_CPU_S
    print(f"\nsummary: {SIZES[-1]} paragraphs {EDIT_RATES[0]:.0%} edited: {headline_ms:.1f} ms "
          f"(target < {TARGET_MS} ms: {'met' if growth_met else 'MISSED'}), growth exponent "
          f"{SIZES[0]}→{SIZES[-1]}: {growth_exponent(SIZES, times[EDIT_RATES[0]]):.2f}; "
          f"{largest:,} paragraphs every one edited: short {short_cpu:.1f} CPU s"
          + (f" (target < {TARGET_LARGE_CPU_S} s: {'met' if large_met else 'MISSED'})"
             if largest == LARGE_SIZES[-1] else " (no target below 100,000 paragraphs)")
          + f", long {long_cpu:.1f} CPU s; slowest large case: {max(cpu_seconds.values()):.1f} CPU s")
    return 0 if growth_met and large_met else 1


if __name__ == "__main__":
    sys.exit(main())
