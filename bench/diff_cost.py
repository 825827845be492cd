"""How long diff_blocks takes as articles grow: `python bench/diff_cost.py`.

Synthetic articles of sentence-like paragraphs (seeded, so runs are comparable)
are revised with 1% and 30% of paragraphs changed: mostly word edits, a few
paragraphs added or removed. Each diff is timed several times; the median counts.
"""
import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newscrawler.diffing import count_ops, diff_blocks  # noqa: E402

SIZES = [10, 100, 500, 1000, 2000]
EDIT_RATES = [0.01, 0.30]
RUNS = 7
TARGET_MS = 50
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


def main() -> int:
    rng = random.Random(SEED)
    times = {rate: [] for rate in EDIT_RATES}
    print(f"{'paragraphs':>10} {'edited':>7} {'median ms':>10}  ops (added/removed/edited/moved)")
    for size in SIZES:
        body = [paragraph(rng) for _ in range(size)]
        for rate in EDIT_RATES:
            new = revise(rng, body, rate)
            times[rate].append(median_ms(body, new))
            counts = count_ops(diff_blocks(body, new))
            print(f"{size:>10} {rate:>7.0%} {times[rate][-1]:>10.2f}  "
                  f"{counts['added']}/{counts['removed']}/{counts['edited']}/{counts['moved']}")
    for rate in EDIT_RATES:
        print(f"growth exponent {rate:.0%} edited, {SIZES[0]}→{SIZES[-1]}: "
              f"{growth_exponent(SIZES, times[rate]):.2f}")
    headline_ms = times[EDIT_RATES[0]][-1]
    print(f"diff_cost: {SIZES[-1]} paragraphs {EDIT_RATES[0]:.0%} edited: {headline_ms:.1f} ms "
          f"(target < {TARGET_MS} ms); growth exponent {SIZES[0]}→{SIZES[-1]}: "
          f"{growth_exponent(SIZES, times[EDIT_RATES[0]]):.2f}")
    return 0 if headline_ms < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
