# Loads series into a fresh graphite-web storage: migrates the tag
# database, writes one whisper file per tagged series (where carbon would)
# and registers its tags (as carbon does through the tagdb).
# Usage: load.py DATA.json   (settings from GRAPHITE_SETTINGS_MODULE)
import json
import os
import sys

import django

django.setup()
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
import whisper  # noqa: E402
from graphite.storage import STORE  # noqa: E402
from graphite.tags.utils import TaggedSeries  # noqa: E402

call_command("migrate", verbosity=0, interactive=False)
step, keep = int(sys.argv[2]), int(sys.argv[3])
with open(sys.argv[1]) as f:
    data = json.load(f)
for s in data:
    tags = dict(s["tags"], name=s["name"])
    path = TaggedSeries(s["name"], tags).path
    fs = os.path.join(settings.WHISPER_DIR, TaggedSeries.encode(path, os.sep) + ".wsp")
    os.makedirs(os.path.dirname(fs), exist_ok=True)
    whisper.create(fs, [(step, keep)], xFilesFactor=0, aggregationMethod="average")
    whisper.update_many(fs, [(p[0], p[1]) for p in s["points"]])
    STORE.tagdb.tag_series(path)
print("loaded", len(data))
