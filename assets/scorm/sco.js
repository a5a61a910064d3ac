/* deepdive SCORM 1.2 SCO: plays one module's lessons and quiz and reports to the LMS's SCORM API.
 *
 * Reports cmi.core.lesson_status (incomplete, then passed or failed after a quiz attempt; completed when
 * the LMS launches the module for no credit), cmi.core.score.raw/min/max (the best attempt, in percent),
 * cmi.core.session_time, cmi.core.lesson_location (where to resume) and cmi.suspend_data (lessons done,
 * best score, attempts). Without an API the page still plays and says that nothing is recorded.
 *
 * The quiz is marked here in the browser with the same rules as the server; its answers are in this page.
 */
(function () {
  "use strict";

  // ---- The SCORM 1.2 API, found by the standard search of parents, then the opener's parents -------
  function scan(win) {
    var tries = 0;
    while (win && !win.API && win.parent && win.parent !== win && tries < 7) {
      tries += 1;
      win = win.parent;
    }
    return win && win.API ? win.API : null;
  }

  function findAPI() {
    var api = null;
    try { api = scan(window); } catch (e) { api = null; }
    if (!api && window.opener) {
      try { api = scan(window.opener); } catch (e) { api = null; }
    }
    return api;
  }

  var lms = {
    api: null,
    live: false,
    finished: false,
    started: Date.now(),
    init: function () {
      this.api = findAPI();
      if (!this.api) { return false; }
      this.live = String(this.api.LMSInitialize("")) === "true";
      return this.live;
    },
    get: function (key) {
      if (!this.live) { return ""; }
      var v = this.api.LMSGetValue(key);
      return v === null || v === undefined ? "" : String(v);
    },
    set: function (key, value) {
      if (!this.live) { return false; }
      return String(this.api.LMSSetValue(key, String(value))) === "true";
    },
    commit: function () {
      if (this.live) { this.api.LMSCommit(""); }
    },
    finish: function (exit) {
      if (!this.live || this.finished) { return; }
      this.finished = true;
      this.set("cmi.core.session_time", timespan(Date.now() - this.started));
      this.set("cmi.core.exit", exit);
      this.api.LMSCommit("");
      this.api.LMSFinish("");
    }
  };

  // SCORM 1.2 CMITimespan: HHHH:MM:SS.SS
  function timespan(ms) {
    var cs = Math.max(0, Math.round(ms / 10));
    var h = Math.floor(cs / 360000);
    var m = Math.floor((cs % 360000) / 6000);
    var s = Math.floor((cs % 6000) / 100);
    var f = cs % 100;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return (h < 1000 ? ("000" + h).slice(-4) : String(Math.min(h, 9999))) + ":" + two(m) + ":" + two(s) + "." + two(f);
  }

  // ---- State, kept in cmi.suspend_data as JSON ---------------------------------------------------
  var data = JSON.parse(document.getElementById("dd-quiz-data").textContent);
  var state = { v: 1, done: [], best: null, passed: false, tries: 0, last: null };
  var mode = "normal";
  var credit = "credit";

  function loadState() {
    var raw = lms.get("cmi.suspend_data");
    if (!raw) { return; }
    try {
      var s = JSON.parse(raw);
      if (s && s.v === 1) {
        state.done = (s.done || []).filter(function (l) { return data.lessons.indexOf(l) >= 0; });
        state.best = typeof s.best === "number" ? s.best : null;
        state.passed = !!s.passed;
        state.tries = s.tries || 0;
        state.last = typeof s.last === "number" ? s.last : null;
      }
    } catch (e) { /* unreadable suspend data: start again */ }
  }

  function status() {
    if (credit === "no-credit") {
      return allLessonsDone() && state.tries > 0 ? "completed" : "incomplete";
    }
    if (state.passed) { return "passed"; }
    if (state.tries > 0) { return "failed"; }
    return "incomplete";
  }

  function allLessonsDone() {
    return data.lessons.every(function (l) { return state.done.indexOf(l) >= 0; });
  }

  function save(location) {
    if (!lms.live || mode === "review") { return; }
    lms.set("cmi.core.lesson_status", status());
    if (state.best !== null) {
      lms.set("cmi.core.score.min", "0");
      lms.set("cmi.core.score.max", "100");
      lms.set("cmi.core.score.raw", String(state.best));
    }
    if (location) { lms.set("cmi.core.lesson_location", location); }
    lms.set("cmi.suspend_data", JSON.stringify(state));
    lms.set("cmi.core.session_time", timespan(Date.now() - lms.started));
    lms.commit();
  }

  // ---- Page helpers ----------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { e.textContent = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { e.appendChild(c); } });
    return e;
  }

  function setStatusBanner(live) {
    var box = document.getElementById("dd-sco-status");
    box.setAttribute("data-scorm", live ? "connected" : "none");
    box.textContent = "";
    if (live) { return; }
    var link = document.querySelector(".dd-sco-assured a");
    var p = el("p", { text: "This module was opened outside a learning management system, so your progress and quiz result are not being recorded. You can still read the lessons and try the quiz. " });
    if (link) {
      var a = el("a", { href: link.getAttribute("href"), text: "Take the module on the hosted course" });
      p.appendChild(a);
      p.appendChild(document.createTextNode(" to have your learning recorded."));
    }
    box.className = "nhsuk-warning-callout";
    box.appendChild(el("h2", { "class": "nhsuk-warning-callout__label" }, [el("span", { role: "text", text: "Not recorded" })]));
    box.appendChild(p);
  }

  function steps() { return Array.prototype.slice.call(document.querySelectorAll("[data-step]")); }

  function show(stepId, focus) {
    var found = false;
    steps().forEach(function (s) {
      var on = s.getAttribute("data-step") === stepId;
      found = found || on;
      s.hidden = !on;
    });
    if (!found) { return show(firstOpenStep(), focus); }
    document.querySelectorAll("[data-step-link]").forEach(function (a) {
      if (a.getAttribute("data-step-link") === stepId) { a.setAttribute("aria-current", "step"); } else { a.removeAttribute("aria-current"); }
    });
    if (focus) {
      var h = document.querySelector("[data-step=\"" + stepId + "\"] h2");
      if (h) { h.setAttribute("tabindex", "-1"); h.focus(); }
    }
    return stepId;
  }

  function firstOpenStep() {
    for (var i = 0; i < data.lessons.length; i += 1) {
      if (state.done.indexOf(data.lessons[i]) < 0) { return "lesson-" + data.lessons[i]; }
    }
    return "quiz";
  }

  function nextStep(lesson) {
    var i = data.lessons.indexOf(lesson);
    for (var j = i + 1; j < data.lessons.length; j += 1) {
      if (state.done.indexOf(data.lessons[j]) < 0) { return "lesson-" + data.lessons[j]; }
    }
    return firstOpenStep();
  }

  function refreshTags() {
    data.lessons.forEach(function (l) {
      var tag = document.querySelector("[data-lesson-tag=\"" + l + "\"]");
      if (!tag) { return; }
      var done = state.done.indexOf(l) >= 0;
      tag.hidden = false;
      tag.textContent = done ? "Completed" : "Not started";
      tag.className = "nhsuk-tag dd-sco-tag " + (done ? "nhsuk-tag--green" : "nhsuk-tag--grey");
    });
    var q = document.querySelector("[data-quiz-tag]");
    if (q) {
      q.hidden = false;
      q.textContent = state.passed ? "Passed" : state.tries > 0 ? "Not passed yet" : "Not started";
      q.className = "nhsuk-tag dd-sco-tag " + (state.passed ? "nhsuk-tag--green" : state.tries > 0 ? "nhsuk-tag--orange" : "nhsuk-tag--grey");
    }
  }

  // ---- The quiz: drawing, the form, marking (the server's rules) --------------------------------
  var FULL = 1000;

  function shuffle(a) {
    for (var i = a.length - 1; i > 0; i -= 1) {
      var j = Math.floor(Math.random() * (i + 1));
      var t = a[i]; a[i] = a[j]; a[j] = t;
    }
    return a;
  }

  // Stratified as on the server: one question for each outcome first, then the rest at random.
  function draw() {
    var shuffled = shuffle(data.questions.slice());
    var n = data.questions_per_attempt;
    var outcomes = [];
    shuffled.forEach(function (q) {
      (q.outcomes || []).forEach(function (o) { if (outcomes.indexOf(o) < 0) { outcomes.push(o); } });
    });
    shuffle(outcomes);
    var chosen = [];
    outcomes.forEach(function (o) {
      if (chosen.length >= n) { return; }
      var covered = chosen.some(function (q) { return q.outcomes.indexOf(o) >= 0; });
      if (covered) { return; }
      var pick = shuffled.filter(function (q) { return chosen.indexOf(q) < 0 && q.outcomes.indexOf(o) >= 0; })[0];
      if (pick) { chosen.push(pick); }
    });
    shuffled.forEach(function (q) { if (chosen.length < n && chosen.indexOf(q) < 0) { chosen.push(q); } });
    var pool = shuffle(chosen);
    return pool.map(function (q) {
      var n = q.kind === "ordering" ? q.items.length : q.kind === "matching" ? q.pairs.length : q.options.length;
      var order = [];
      for (var i = 0; i < n; i += 1) { order.push(i); }
      if (q.kind === "true_false") {
        order.sort(function (a, b) { return (q.options[a].id === "true" ? 0 : 1) - (q.options[b].id === "true" ? 0 : 1); });
      } else if (q.kind === "ordering") {
        shuffle(order);
        if (n > 1 && order.every(function (o, k) { return o === k; })) { order.push(order.shift()); }
      } else if (data.shuffle_options) {
        shuffle(order);
      }
      return { q: q, order: order };
    });
  }

  function field(q, sub) { return sub ? "q." + q.id + "." + sub : "q." + q.id; }

  function questionBlock(d, n, count) {
    var q = d.q;
    var group = el("div", { "class": "nhsuk-form-group dd-quiz-question", id: "question-" + q.id });
    var fs = el("fieldset", { "class": "nhsuk-fieldset", "aria-describedby": "hint-" + q.id });
    var legend = el("legend", { "class": "nhsuk-fieldset__legend nhsuk-fieldset__legend--m" }, [
      el("span", { "class": "nhsuk-caption-m", text: "Question " + n + " of " + count }),
      el("span", { "class": "dd-question-prompt", text: q.prompt })
    ]);
    fs.appendChild(legend);
    var hint = q.kind === "multiple" ? "Select all that apply." : q.kind === "ordering" ? "Give each item its position, 1 first." : q.kind === "matching" ? "Choose a match for each item." : "Select one answer.";
    fs.appendChild(el("div", { "class": "nhsuk-hint", id: "hint-" + q.id, text: hint }));
    fs.appendChild(el("span", { "class": "nhsuk-error-message", id: "error-" + q.id, hidden: "" }));
    if (q.kind === "single" || q.kind === "true_false" || q.kind === "multiple") {
      var radio = q.kind !== "multiple";
      var box = el("div", { "class": radio ? "nhsuk-radios" : "nhsuk-checkboxes" });
      d.order.forEach(function (i) {
        var o = q.options[i];
        var id = "q-" + q.id + "-" + o.id;
        box.appendChild(el("div", { "class": radio ? "nhsuk-radios__item" : "nhsuk-checkboxes__item" }, [
          el("input", { "class": radio ? "nhsuk-radios__input" : "nhsuk-checkboxes__input", id: id, name: field(q), type: radio ? "radio" : "checkbox", value: o.id, "data-question": field(q), "data-option": o.id }),
          el("label", { "class": "nhsuk-label " + (radio ? "nhsuk-radios__label" : "nhsuk-checkboxes__label"), "for": id, text: o.text })
        ]));
      });
      fs.appendChild(box);
    } else {
      var rows = q.kind === "ordering" ? d.order.map(function (i) { return q.items[i]; }) : q.pairs;
      rows.forEach(function (r) {
        var id = "q-" + q.id + "-" + r.id;
        var select = el("select", { "class": "nhsuk-select", id: id, name: field(q, r.id), "data-question": field(q, r.id) });
        select.appendChild(el("option", { value: "", text: q.kind === "ordering" ? "Choose a position" : "Choose a match" }));
        if (q.kind === "ordering") {
          for (var p = 1; p <= q.items.length; p += 1) { select.appendChild(el("option", { value: String(p), "data-option": String(p), text: String(p) })); }
        } else {
          d.order.forEach(function (i) { select.appendChild(el("option", { value: q.pairs[i].id, "data-option": q.pairs[i].id, text: q.pairs[i].right })); });
        }
        fs.appendChild(el("div", { "class": "nhsuk-form-group dd-select-row" }, [
          el("label", { "class": "nhsuk-label", "for": id, text: q.kind === "ordering" ? r.text : r.left }),
          select
        ]));
      });
    }
    group.appendChild(fs);
    return group;
  }

  function readAnswer(form, d) {
    var q = d.q;
    if (q.kind === "single" || q.kind === "true_false" || q.kind === "multiple") {
      var chosen = Array.prototype.slice.call(form.querySelectorAll("input[name=\"" + field(q) + "\"]:checked")).map(function (i) { return i.value; });
      if (!chosen.length) { return { missing: q.kind === "multiple" ? "select at least one answer" : "select an answer" }; }
      return { choices: chosen };
    }
    var placed = {};
    var count = 0;
    var ids = q.kind === "ordering" ? q.items.map(function (i) { return i.id; }) : q.pairs.map(function (p) { return p.id; });
    ids.forEach(function (id) {
      var s = form.querySelector("select[name=\"" + field(q, id) + "\"]");
      if (s && s.value) { placed[id] = s.value; count += 1; }
    });
    if (count < ids.length) { return { missing: q.kind === "ordering" ? "give every item a position" : "choose a match for every item" }; }
    if (q.kind === "ordering") {
      var seen = {};
      var distinct = 0;
      Object.keys(placed).forEach(function (k) { if (!seen[placed[k]]) { seen[placed[k]] = true; distinct += 1; } });
      if (distinct < ids.length) { return { missing: "use each position once" }; }
    }
    return { placed: placed };
  }

  function share(right, total, scoring) {
    if (!total) { return 0; }
    if (scoring === "partial") { return Math.floor(Math.min(right, total) * FULL / total); }
    return right === total ? FULL : 0;
  }

  function credit1(q, a) {
    if (q.kind === "single" || q.kind === "true_false") {
      var right = q.options.filter(function (o) { return o.correct; }).every(function (o) { return a.choices.indexOf(o.id) >= 0; });
      return right && a.choices.length === 1 ? FULL : 0;
    }
    if (q.kind === "multiple") {
      var correct = q.options.filter(function (o) { return o.correct; }).map(function (o) { return o.id; });
      var hits = a.choices.filter(function (c) { return correct.indexOf(c) >= 0; }).length;
      var misses = a.choices.length - hits;
      if (q.scoring === "partial") {
        return Math.min(FULL, Math.floor(Math.max(0, hits - misses) * FULL / Math.max(1, correct.length)));
      }
      return misses === 0 && hits === correct.length ? FULL : 0;
    }
    if (q.kind === "ordering") {
      var placedRight = q.items.filter(function (item, i) { return a.placed[item.id] === String(i + 1); }).length;
      return share(placedRight, q.items.length, q.scoring);
    }
    var matched = q.pairs.filter(function (p) { return a.placed[p.id] === p.id; }).length;
    return share(matched, q.pairs.length, q.scoring);
  }

  function result(credits) {
    var n = credits.length;
    if (!n) { return { percent: 0, passed: false }; }
    var total = credits.reduce(function (s, c) { return s + Math.min(c, FULL); }, 0);
    var max = n * FULL;
    return { percent: Math.floor(total * 100 / max), passed: total * 100 >= data.pass_mark * max };
  }

  function attemptsLeft() {
    return data.attempts_allowed === 0 || state.tries < data.attempts_allowed;
  }

  function renderQuiz() {
    var root = document.getElementById("dd-quiz-root");
    root.textContent = "";
    if (!attemptsLeft() && !state.passed) {
      root.appendChild(el("p", { text: "You have used all " + data.attempts_allowed + " attempts at this quiz." }));
      return;
    }
    if (state.best !== null) {
      root.appendChild(el("p", { "class": "dd-sco-best", text: "Your best score so far: " + state.best + "%" + (state.passed ? " (passed)." : ".") }));
    }
    var drawn = draw();
    var summary = el("div", { "class": "nhsuk-error-summary", "aria-labelledby": "dd-quiz-errors-title", role: "alert", tabindex: "-1", hidden: "" }, [
      el("h2", { "class": "nhsuk-error-summary__title", id: "dd-quiz-errors-title", text: "There is a problem" }),
      el("div", { "class": "nhsuk-error-summary__body" }, [el("ul", { "class": "nhsuk-list nhsuk-error-summary__list" })])
    ]);
    var form = el("form", { id: "dd-quiz-form", novalidate: "" });
    form.appendChild(summary);
    drawn.forEach(function (d, i) { form.appendChild(questionBlock(d, i + 1, drawn.length)); });
    form.appendChild(el("button", { "class": "nhsuk-button", type: "submit", text: "Submit answers" }));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      submitQuiz(form, drawn, summary);
    });
    root.appendChild(form);
  }

  function submitQuiz(form, drawn, summary) {
    var answers = drawn.map(function (d) { return readAnswer(form, d); });
    var list = summary.querySelector("ul");
    list.textContent = "";
    var problems = 0;
    answers.forEach(function (a, i) {
      var q = drawn[i].q;
      var group = document.getElementById("question-" + q.id);
      var msg = document.getElementById("error-" + q.id);
      if (a.missing) {
        problems += 1;
        group.classList.add("nhsuk-form-group--error");
        msg.hidden = false;
        msg.textContent = "Error: Question " + (i + 1) + ": " + a.missing;
        list.appendChild(el("li", {}, [el("a", { href: "#question-" + q.id, text: "Question " + (i + 1) + ": " + a.missing })]));
      } else {
        group.classList.remove("nhsuk-form-group--error");
        msg.hidden = true;
      }
    });
    if (problems) {
      summary.hidden = false;
      summary.focus();
      return;
    }
    var credits = drawn.map(function (d, i) { return credit1(d.q, answers[i]); });
    var r = result(credits);
    state.tries += 1;
    state.last = r.percent;
    state.passed = state.passed || r.passed;
    state.best = state.best === null ? r.percent : Math.max(state.best, r.percent);
    save("quiz");
    refreshTags();
    showReview(drawn, answers, credits, r);
  }

  function showReview(drawn, answers, credits, r) {
    var root = document.getElementById("dd-quiz-root");
    root.textContent = "";
    var box = el("div", { "class": "dd-result " + (r.passed ? "dd-result--passed" : "dd-result--failed"), id: "dd-quiz-result", "data-score": String(r.percent), "data-passed": r.passed ? "true" : "false", tabindex: "-1" }, [
      el("h3", { "class": "nhsuk-heading-m", text: r.passed ? "You passed: " + r.percent + "%" : "Not passed this time: " + r.percent + "%" }),
      el("p", { text: r.passed ? "Well done. " + (lms.live ? "Your result has been recorded." : "This result is not recorded here.") : "You need " + data.pass_mark + "% to pass. Read the feedback below, then try again." })
    ]);
    root.appendChild(box);
    var reveal = data.show_answers === "always" || (data.show_answers === "after_pass" && r.passed);
    if (reveal) {
      drawn.forEach(function (d, i) {
        var q = d.q;
        var a = answers[i];
        var div = el("div", { "class": "dd-review-question" }, [
          el("h3", { "class": "nhsuk-heading-s", text: "Question " + (i + 1) + ": " + q.prompt }),
          el("p", { text: credits[i] === FULL ? "Right." : credits[i] > 0 ? "Partly right." : "Not right." })
        ]);
        if (q.options.length) {
          d.order.forEach(function (k) {
            var o = q.options[k];
            var chosen = a.choices.indexOf(o.id) >= 0;
            div.appendChild(el("div", { "class": "dd-review-choice" + (chosen ? " dd-review-choice--chosen" : ""), "data-question": field(q), "data-option": o.id, "data-correct": o.correct ? "true" : "false" }, [
              el("p", { text: (chosen ? "Your answer: " : "") + o.text + (o.correct ? " (correct)" : "") }),
              el("p", { "class": "nhsuk-body-s", text: o.feedback })
            ]));
          });
        }
        var rows = q.kind === "ordering" ? q.items.map(function (it, k) { return { label: it.text, right: "position " + (k + 1), feedback: it.feedback }; })
          : q.kind === "matching" ? q.pairs.map(function (p) { return { label: p.left, right: p.right, feedback: p.feedback }; }) : [];
        rows.forEach(function (row) {
          div.appendChild(el("div", { "class": "dd-review-choice" }, [
            el("p", { text: row.label + ": " + row.right }),
            el("p", { "class": "nhsuk-body-s", text: row.feedback })
          ]));
        });
        if (q.explanation) { div.appendChild(el("p", { "data-feedback": "", text: q.explanation })); }
        root.appendChild(div);
      });
    }
    if (!r.passed && attemptsLeft()) {
      var again = el("button", { "class": "nhsuk-button", type: "button", id: "dd-quiz-again", text: "Try the quiz again" });
      again.addEventListener("click", function () { renderQuiz(); show("quiz", true); });
      root.appendChild(again);
    }
    box.focus();
  }

  // ---- Start and finish -----------------------------------------------------------------------
  function start() {
    document.body.classList.remove("js-disabled");
    document.body.classList.add("js-enabled");
    var live = lms.init();
    if (live) {
      mode = lms.get("cmi.core.lesson_mode") || "normal";
      credit = lms.get("cmi.core.credit") || "credit";
      loadState();
      var was = lms.get("cmi.core.lesson_status");
      if (mode !== "review" && (was === "" || was === "not attempted")) {
        lms.set("cmi.core.lesson_status", "incomplete");
        lms.commit();
      }
    }
    setStatusBanner(live);
    document.querySelectorAll(".dd-sco-js-only").forEach(function (e) { e.hidden = false; });
    document.querySelectorAll("[data-complete]").forEach(function (b) {
      b.addEventListener("click", function () {
        var l = b.getAttribute("data-complete");
        if (state.done.indexOf(l) < 0) { state.done.push(l); }
        var next = nextStep(l);
        save(next);
        refreshTags();
        show(next, true);
      });
    });
    document.querySelectorAll("[data-step-link]").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        var id = a.getAttribute("data-step-link");
        show(id, true);
        save(id);
      });
    });
    refreshTags();
    renderQuiz();
    var location = lms.get("cmi.core.lesson_location");
    show(location || firstOpenStep(), false);
    var done = function () { lms.finish(state.passed ? "" : "suspend"); };
    window.addEventListener("pagehide", done);
    window.addEventListener("beforeunload", done);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
