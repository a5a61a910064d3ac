// A minimal SCORM 1.2 player for tests/api/scorm.rs: scorm-again's API as window.API, the state the last
// session committed loaded back in (as an LMS does when a learner returns), and the SCO in a frame.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  window.harnessReady = false;
  fetch("/state.json").then(function (r) { return r.json(); }).then(function (saved) {
    var api = new Scorm12API({
      lmsCommitUrl: "/commit",
      dataCommitFormat: "json",
      autocommit: false,
      logLevel: 4
    });
    if (saved && saved.cmi && !params.get("fresh")) {
      api.loadFromJSON(saved.cmi);
      api.cmi.core.entry = "resume";
    }
    api.cmi.core.student_id = "learner-1";
    api.cmi.core.student_name = "Learner, Test";
    if (params.get("credit")) { api.cmi.core.credit = params.get("credit"); }
    window.API = api;
    var frame = document.createElement("iframe");
    frame.id = "sco";
    frame.title = "The course";
    frame.width = "1200";
    frame.height = "800";
    frame.src = params.get("sco");
    document.body.appendChild(frame);
    window.harnessReady = true;
  });
}());
