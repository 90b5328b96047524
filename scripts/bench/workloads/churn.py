# churn.py — CPython benchmark workload: builds and discards dicts, lists and strings and
# round-trips them through json, the allocation mix of a typical Python service.
# Run with PYTHONMALLOC=malloc so every object goes through malloc. Usage: churn.py ROUNDS
import json
import sys

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
total = 0
for r in range(rounds):
    records = []
    for i in range(2000):
        rec = {"id": i, "name": "user-%d-%d" % (r, i), "tags": [str(j) for j in range(i % 7)],
               "score": i * 1.5}
        records.append(rec)
    text = json.dumps(records)
    back = json.loads(text)
    index = {rec["name"]: rec for rec in back}
    words = " ".join(index).split()
    total += len(words) + sum(len(rec["tags"]) for rec in back)
print(total)
