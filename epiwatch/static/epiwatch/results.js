/* Test results pages, without any library: the quick-entry lookup and the upload's progress bar.
   Both pages work without this file (plain forms; a refreshing progress page). */
(function () {
  "use strict";

  function digits(text) { return (text || "").replace(/[\s.+()-]/g, ""); }

  // --- quick entry ---------------------------------------------------------------------------------------------
  function quickEntry(lookupForm) {
    var url = lookupForm.getAttribute("data-lookup-url");
    var q = lookupForm.querySelector("input[name=q]");
    var list = document.getElementById("matches");
    var entry = document.getElementById("entry");
    var personInput = entry.querySelector("input[name=person]");
    var picked = document.getElementById("picked");
    var register = document.getElementById("register");
    var resultInput = entry.querySelector("input[name=result]");
    var last = { q: null, people: null };
    var timer = null;

    function show(element, visible) {
      element.hidden = !visible;
      if (element.tagName === "FIELDSET") { element.disabled = !visible; }
    }

    function pick(person) {
      personInput.value = person.id;
      picked.querySelector("[data-field=full_name]").textContent = person.full_name;
      picked.querySelector("[data-field=details]").textContent =
        [person.birth, person.sex, person.national_id, person.residence].filter(Boolean).join(" · ");
      show(picked, true);
      show(register, false);
      list.textContent = "";
      resultInput.focus();
    }

    function registerNew(text) {
      personInput.value = "";
      show(picked, false);
      show(register, true);
      var number = digits(text);
      var field = entry.querySelector(number.length === 9 || number.length === 12 ? "input[name=national_id]" : "input[name=phone]");
      if (field && !field.value) { field.value = number; }
      var name = entry.querySelector("input[name=full_name]");
      if (name) { name.focus(); }
    }

    function render(people) {
      list.textContent = "";
      if (!people.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = list.getAttribute("data-nobody");
        list.appendChild(none);
        return;
      }
      people.forEach(function (person) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = person.url;
        link.textContent = person.full_name;
        link.addEventListener("click", function (event) { event.preventDefault(); pick(person); });
        item.appendChild(link);
        item.appendChild(document.createTextNode(" · " + [person.birth, person.sex, person.residence].filter(Boolean).join(" · ")));
        list.appendChild(item);
      });
    }

    function fetchPeople(text) {
      return fetch(url + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
        .then(function (data) { last = { q: text, people: data.people }; return data.people; });
    }

    function decide(people) {
      if (people.length === 1) { pick(people[0]); }
      else if (!people.length) { render(people); registerNew(q.value); }
      else { render(people); list.querySelector("a").focus(); }
    }

    q.addEventListener("input", function () {
      clearTimeout(timer);
      var text = q.value.trim();
      if (digits(text).length < 9) { list.textContent = ""; return; }
      timer = setTimeout(function () { fetchPeople(text).then(render).catch(function () {}); }, 250);
    });

    lookupForm.addEventListener("submit", function (event) {
      var text = q.value.trim();
      if (!text) { return; }
      event.preventDefault();
      if (last.q === text && last.people) { decide(last.people); return; }
      fetchPeople(text).then(decide).catch(function () { lookupForm.submit(); });
    });

    var unpick = document.getElementById("unpick");
    if (unpick) {
      unpick.addEventListener("click", function (event) {
        event.preventDefault();
        personInput.value = "";
        show(picked, false);
        show(register, true);
        q.value = "";
        q.focus();
      });
    }
  }

  // --- upload progress -----------------------------------------------------------------------------------------
  function progress(state) {
    var url = state.getAttribute("data-status-url");
    var bar = document.getElementById("batch-progress");
    var rows = document.getElementById("batch-rows");
    var status = document.getElementById("batch-status");
    var format = rows ? rows.getAttribute("data-format") : null;

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (!data.running || data.status !== state.getAttribute("data-status")) { window.location.reload(); return; }
          if (bar) { bar.max = Math.max(data.rows_total, 1); bar.value = data.rows_done; bar.textContent = data.progress_pct + " %"; }
          if (rows && format) { rows.textContent = format.replace("{done}", data.rows_done).replace("{total}", data.rows_total); }
          if (status) { status.textContent = data.status_display; }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var lookupForm = document.getElementById("lookup");
    if (lookupForm && lookupForm.getAttribute("data-lookup-url")) { quickEntry(lookupForm); }
    var state = document.getElementById("batch-state");
    if (state && document.getElementById("batch-progress")) { progress(state); }
  });
})();
