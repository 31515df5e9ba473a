"""Plain BM25 baseline (rank_bm25 + Snowball stemming), for comparison with `steward faq eval`.

    pip install rank_bm25 snowballstemmer
    python3 bm25_baseline.py dev telecom

One document per entry (its phrasings); a question is answered with the top entry when its score
reaches a threshold tuned on the first set (best accuracy with at most 5% wrong answers) and
applied unchanged to the others.
"""
import json, re, sys
from rank_bm25 import BM25Okapi
import snowballstemmer

ru, en = snowballstemmer.stemmer("russian"), snowballstemmer.stemmer("english")

def tokens(text):
    out = []
    for w in re.findall(r"\w+", text.lower().replace("ё", "е")):
        out.append(ru.stemWord(w) if re.search("[а-я]", w) else en.stemWord(w))
    return out

def load(name):
    kb = json.load(open(f"{name}/kb.json"))
    lines = [l.rstrip("\n").split("\t", 2) for l in open(f"{name}/questions.tsv") if l.strip()]
    return kb, [l for l in lines if l[0] != "expected"]

def run(kb, qs, threshold):
    bm = BM25Okapi([tokens(" ".join(e["questions"])) for e in kb])
    right = wrong = 0
    for exp, lang, text in qs:
        scores = bm.get_scores(tokens(text))
        best = max(range(len(kb)), key=lambda i: scores[i])
        answered = scores[best] >= threshold
        got = kb[best]["id"] if answered else "-"
        right += got == exp
        wrong += answered and got != exp
    return right / len(qs), wrong / len(qs)

sets = sys.argv[1:] or ["dev"]
kb, qs = load(sets[0])
candidates = [t / 10 for t in range(0, 200)]
best_t = max(candidates, key=lambda t: (run(kb, qs, t)[1] <= 0.05, run(kb, qs, t)[0], t))
def tuned(kb, qs):
    return max(candidates, key=lambda t: (run(kb, qs, t)[1] <= 0.05, run(kb, qs, t)[0], t))

for name in sets:
    acc, wrong = run(*load(name), best_t)
    own = tuned(*load(name))
    acc2, wrong2 = run(*load(name), own)
    print(f"{name}: threshold from {sets[0]} {best_t:.1f}: accuracy {acc:.4f} wrong_answer_rate {wrong:.4f}; "
          f"tuned on {name} {own:.1f}: accuracy {acc2:.4f} wrong_answer_rate {wrong2:.4f}")
