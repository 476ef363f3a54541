// Live pages: the page that names a stream (body[data-live]) follows it,
// and shows new votes, new comments and the unread badge as they happen.
// Without JavaScript, or without EventSource, the page stays as served.
(function () {
  "use strict";
  var body = document.body;
  var url = body && body.getAttribute("data-live");
  if (!url || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var source = null;

  function state(name) {
    body.setAttribute("data-live-state", name);
  }

  function data(event) {
    try {
      return JSON.parse(event.data);
    } catch (e) {
      return null;
    }
  }

  // The vote count of an idea on this page.
  function onVotes(event) {
    var d = data(event);
    var vote = d && document.getElementById("vote-" + d.idea);
    var count = vote && vote.querySelector(".vote-count:not(.sealed)");
    if (count) {
      count.textContent = String(d.votes);
      count.setAttribute("aria-label", d.label);
    }
  }

  // The unread badge in the header.
  function onUnread(event) {
    var d = data(event);
    var link = document.querySelector(".inbox-link");
    if (!d || !link) {
      return;
    }
    var badge = link.querySelector(".unread-badge");
    var hidden = badge && badge.nextElementSibling;
    if (badge) {
      link.removeChild(badge);
    }
    if (hidden && hidden.classList.contains("visually-hidden")) {
      link.removeChild(hidden);
    }
    link.classList.toggle("has-unread", d.count > 0);
    if (d.count > 0) {
      badge = document.createElement("span");
      badge.className = "unread-badge";
      badge.setAttribute("aria-hidden", "true");
      badge.textContent = String(d.count);
      hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = "(" + d.label + ")";
      link.appendChild(badge);
      link.appendChild(hidden);
    }
  }

  // New comments: the page is read again, with the reader's own
  // permissions, and the comments it shows that this one lacks go in.
  var wanted = {};
  var fetching = null;
  function onComment(event) {
    var d = data(event);
    if (!d || !document.querySelector("ol.comments")) {
      return;
    }
    wanted[d.comment] = true;
    if (!fetching) {
      fetching = window.setTimeout(fetchComments, 150);
    }
  }

  function fetchComments() {
    var ids = Object.keys(wanted);
    wanted = {};
    window.fetch(window.location.pathname + window.location.search, {
      credentials: "same-origin",
      headers: { Accept: "text/html" }
    }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      fetching = null;
      if (html) {
        insertComments(new DOMParser().parseFromString(html, "text/html"), ids);
      }
      if (Object.keys(wanted).length) {
        fetching = window.setTimeout(fetchComments, 150);
      }
    }, function () {
      fetching = null;
    });
  }

  function insertComments(page, ids) {
    var list = document.querySelector("ol.comments");
    var added = false;
    ids.forEach(function (id) {
      var fresh = page.getElementById("comment-" + id);
      if (!fresh || !list) {
        return; // not for this reader
      }
      var node = document.importNode(fresh, true);
      var old = document.getElementById("comment-" + id);
      if (old) {
        old.parentNode.replaceChild(node, old);
        return;
      }
      var before = fresh.previousElementSibling;
      var anchor = before && document.getElementById(before.id);
      if (anchor && anchor.parentNode === list) {
        list.insertBefore(node, anchor.nextSibling);
      } else if (before) {
        list.appendChild(node);
      } else {
        list.insertBefore(node, list.firstChild);
      }
      if (window.htmx) {
        window.htmx.process(node);
      }
      added = true;
    });
    var title = document.getElementById("comments-title");
    var freshTitle = page.getElementById("comments-title");
    if (added && title && freshTitle) {
      title.textContent = freshTitle.textContent;
      var announcer = document.getElementById("announcer");
      if (announcer) {
        announcer.textContent = freshTitle.textContent;
      }
    }
  }

  function open() {
    if (source) {
      return;
    }
    source = new window.EventSource(url);
    state("connecting");
    source.addEventListener("open", function () {
      state("open");
    });
    source.addEventListener("votes", onVotes);
    source.addEventListener("unread", onUnread);
    source.addEventListener("comment", onComment);
    source.addEventListener("idle", sleep);
    source.addEventListener("error", function () {
      // A refusal (too many streams) or a stream with nothing to follow
      // ends it; a dropped connection is retried by EventSource itself.
      if (source && source.readyState === window.EventSource.CLOSED) {
        sleep();
      } else {
        state("connecting");
      }
    });
  }

  // sleep closes the stream until the reader is back: the page is shown
  // again, or they touch it.
  var wakers = ["visibilitychange", "focus", "pointerdown", "keydown"];
  function sleep() {
    if (source) {
      source.close();
      source = null;
    }
    state("asleep");
    wakers.forEach(function (name) {
      window.addEventListener(name, wake, true);
    });
  }

  function wake() {
    if (document.visibilityState === "hidden") {
      return;
    }
    wakers.forEach(function (name) {
      window.removeEventListener(name, wake, true);
    });
    open();
  }

  // A page left closes its stream, so that a page kept for the back button
  // holds no connection (browsers allow six per site); back on it, it
  // follows again.
  window.addEventListener("pagehide", function () {
    if (source) {
      source.close();
      source = null;
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      open();
    }
  });

  open();
})();
