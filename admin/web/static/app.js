// tonebase admin: small improvements on pages that work without script.
"use strict";
(function () {
  // Copy buttons: shown only when the clipboard can be written.
  document.querySelectorAll("button.copy").forEach(function (b) {
    if (!navigator.clipboard) return;
    b.hidden = false;
    b.addEventListener("click", function () {
      var el = document.getElementById(b.dataset.copy);
      navigator.clipboard.writeText(el.textContent).then(function () {
        b.textContent = "Copied";
        setTimeout(function () { b.textContent = "Copy"; }, 2000);
      });
    });
  });

  // Live DTMF check on the lookup tester: what the IVR will say of the digits.
  document.querySelectorAll("input.dtmf").forEach(function (input) {
    var out = document.getElementById(input.getAttribute("aria-describedby"));
    var min = +input.dataset.min, max = +input.dataset.max;
    function check() {
      var v = input.value.replace(/#$/, "");
      var msg = "", bad = true;
      if (v === "") { msg = ""; bad = false; }
      else if (!/^[0-9]+$/.test(v)) msg = "Not digits: the IVR answers invalid_input (not_digits).";
      else if (v.length < min) msg = v.length + " digits: too short, at least " + min + ".";
      else if (v.length > max) msg = v.length + " digits: too long, at most " + max + ".";
      else { msg = v.length + " digits: the right length."; bad = false; }
      out.textContent = msg;
      out.className = "live " + (bad ? "bad" : (msg ? "good" : ""));
    }
    input.addEventListener("input", check);
    check();
  });

  // Live check of the DTMF bounds while editing a field.
  var minIn = document.getElementById("min_dtmf"), maxIn = document.getElementById("max_dtmf");
  var live = document.getElementById("dtmf-live");
  if (minIn && maxIn && live) {
    var bounds = function () {
      var a = minIn.value.trim(), b = maxIn.value.trim(), msg = "";
      if (a !== "" && b !== "" && +a > +b) msg = "Min DTMF IP is more than Max DTMF IP.";
      else if ((a !== "" && (+a < 1 || +a > 32)) || (b !== "" && (+b < 1 || +b > 32))) msg = "DTMF limits must be from 1 to 32.";
      live.textContent = msg;
      live.className = "live" + (msg ? " bad" : "");
    };
    minIn.addEventListener("input", bounds);
    maxIn.addEventListener("input", bounds);
  }

  // Upload progress: send the file with XHR to show how much has gone,
  // then follow the server's redirect to the import's page.
  var form = document.getElementById("import-form");
  if (form && window.FormData) {
    form.addEventListener("submit", function (e) {
      var bar = document.getElementById("upload-progress");
      var status = document.getElementById("upload-status");
      e.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.hidden = false;
      xhr.upload.onprogress = function (ev) {
        if (!ev.lengthComputable) return;
        var p = Math.floor(ev.loaded * 100 / ev.total);
        bar.value = p;
        status.textContent = "Uploading: " + p + "%";
      };
      xhr.onload = function () {
        if (xhr.responseURL && xhr.responseURL.indexOf("/admin/imports/") >= 0) {
          window.location.assign(xhr.responseURL);
          return;
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
      };
      xhr.onerror = function () { status.textContent = "The upload failed. Check the connection and try again."; };
      form.querySelector("button[type=submit]").disabled = true;
      xhr.send(new FormData(form));
    });
  }

  // Import progress: poll the import and move the bar; reload when done.
  var job = document.getElementById("job");
  if (job && job.dataset.done === "false") {
    var jbar = document.getElementById("import-progress");
    var jstatus = document.getElementById("import-status");
    var jlines = document.getElementById("import-lines");
    var grouped = function (n) { return Number(n).toLocaleString("en-GB"); };
    var poll = function () {
      fetch(job.dataset.progress, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (p) {
        if (p.done) { window.location.reload(); return; }
        jbar.value = p.percent;
        jstatus.textContent = p.percent + "%";
        jlines.textContent = "Importing: " + grouped(p.records) + (p.records === 1 ? " line" : " lines") + " read so far.";
        var set = function (id, n) { var el = document.getElementById(id); if (el) el.textContent = grouped(n); };
        set("count-added", p.result.inserted);
        set("count-updated", p.result.updated);
        set("count-unchanged", p.result.unchanged);
        set("count-refused", p.invalid);
        var eta = document.getElementById("import-eta");
        if (eta && p.expected_in) {
          var m = Math.ceil(p.expected_in / 60);
          var at = new Date(p.expected);
          var hhmm = String(at.getUTCHours()).padStart(2, "0") + ":" + String(at.getUTCMinutes()).padStart(2, "0");
          eta.textContent = "Expected to finish at about " + hhmm + " UTC, in " + (m <= 1 ? "under a minute" : m + " minutes") + ".";
        }
        setTimeout(poll, 500);
      }).catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 300);
  }
})();
