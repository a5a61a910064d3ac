#!/usr/bin/env python3
"""Prepares quiz submissions for the S2 benchmark: logs in as each learner, opens the module 1 quiz
N times (each opening is a fresh signed attempt) and writes one line per attempt,
"cookie<TAB>url-encoded form body", for benches/quiz_submit.lua to post. Every body answers every
question (the first choice of each, a different option for each row of a matching or ordering
question), so each POST is a real scored attempt stored in one transaction."""
import sys
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from http.cookiejar import CookieJar

APP, EMAILS, PER_LEARNER, PASSWORD = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), sys.argv[4]
QUIZ = "/modules/ai-fundamentals/quiz"


class Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hidden, self.choices, self.selects, self.select = {}, {}, {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a["value"]
        elif tag == "input" and a.get("type") in ("radio", "checkbox"):
            self.choices.setdefault(a["name"], a["value"])
        elif tag == "select":
            self.select = a["name"]
            self.selects[self.select] = []
        elif tag == "option" and self.select and a.get("value"):
            self.selects[self.select].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


out = sys.stdout
for email in EMAILS:
    jar = CookieJar()
    web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = Form()
    page.feed(web.open(APP + "/login").read().decode())
    web.open(APP + "/login", urllib.parse.urlencode(
        {"csrf_token": page.hidden["csrf_token"], "email": email, "password": PASSWORD}).encode())
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar if c.name.endswith("dd_session"))
    for _ in range(PER_LEARNER):
        form = Form()
        form.feed(web.open(APP + QUIZ).read().decode())
        fields = list(form.hidden.items()) + list(form.choices.items())
        used = {}
        for name, options in form.selects.items():
            question = name.rsplit(".", 1)[0]
            i = used.get(question, 0)
            used[question] = i + 1
            fields.append((name, options[i % len(options)]))
        out.write(cookie + "\t" + urllib.parse.urlencode(fields) + "\n")
