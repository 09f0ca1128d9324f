/* The course's own page script (added to every page by book/_ext/course_assets.py).
 *
 * 1. Scroll cue: an output, table or display equation wider than the column gets the class
 *    dnn-scrolls (it scrolls sideways and shows a shadow where there is more to see).
 * 2. Sliders (ipywidgets, drawn by the widget manager): the handle gets an accessible name
 *    (the slider's label) and announces the value shown in its readout (aria-valuetext),
 *    not the frame index the widget stores.
 * 3. The widget manager typesets a label through MathJax 2's `MathJax.Hub.Queue`, which MathJax 3
 *    does not have: every slider then throws "Cannot read properties of undefined (reading
 *    'Queue')". A two-line `Hub` that hands the element to MathJax 3 keeps the console clean.
 *    This script runs before MathJax's (both deferred, in this order), so the shim is added by
 *    MathJax's startup.ready hook, and again when the page has loaded.
 */
(function () {
  "use strict";
  function addHub() {
    var mj = window.MathJax;
    if (!mj || mj.Hub || !mj.version) return;
    mj.Hub = {Queue: function (job) {
      var el = job && job[2];
      if (mj.startup && mj.startup.promise && mj.typesetPromise)
        mj.startup.promise = mj.startup.promise.then(function () { return mj.typesetPromise(el ? [el] : undefined); });
    }};
  }
  if (window.MathJax && !window.MathJax.version) {        // still the configuration object
    var startup = window.MathJax.startup = window.MathJax.startup || {};
    var ready = startup.ready;
    startup.ready = function () {
      if (ready) ready(); else window.MathJax.startup.defaultReady();
      addHub();
    };
  }
  document.addEventListener("DOMContentLoaded", addHub);
  var WIDE = "article pre, article .cell_output .output, article mjx-container[display='true'], " +
             "article .pst-scrollable-table-container, article .table-wrapper";

  function background(el) {
    for (var a = el; a; a = a.parentElement) {
      var c = getComputedStyle(a).backgroundColor;
      if (c && c !== "transparent" && !/rgba\(.*,\s*0\)$/.test(c)) return c;
    }
    return "#fff";
  }

  function markWide() {
    document.querySelectorAll(WIDE).forEach(function (el) {
      var was = el.classList.contains("dnn-scrolls");
      if (was) el.classList.remove("dnn-scrolls");          // measure without the cue's padding
      var wide = el.scrollWidth > el.clientWidth + 1;
      if (wide) {
        if (!was) el.style.setProperty("--dnn-cover", background(el));
        el.classList.add("dnn-scrolls");
        if (!el.hasAttribute("tabindex")) {                  // keyboard users can scroll it
          el.setAttribute("tabindex", "0");
          el.dataset.dnnTabindex = "1";
        }
      } else if (el.dataset.dnnTabindex) {
        el.removeAttribute("tabindex");
        delete el.dataset.dnnTabindex;
      }
    });
  }

  var ids = 0;
  function labelSliders() {
    document.querySelectorAll(".widget-slider").forEach(function (s) {
      var handle = s.querySelector(".noUi-handle");
      var readout = s.querySelector(".widget-readout");
      if (!handle || !readout || handle.dataset.dnnLabelled) return;
      handle.dataset.dnnLabelled = "1";
      var label = s.querySelector(".widget-label");
      var name = label ? label.textContent.trim() : "";
      handle.setAttribute("aria-label", name || "value");
      var box = s.closest(".dnn-slider");
      var desc = box && box.querySelector(".widget-html");
      if (desc) {
        if (!desc.id) desc.id = "dnn-slider-desc-" + (++ids);
        handle.setAttribute("aria-describedby", desc.id);
      }
      var sync = function () {
        var text = readout.textContent.trim();
        if (handle.getAttribute("aria-valuetext") !== text) handle.setAttribute("aria-valuetext", text);
      };
      sync();
      new MutationObserver(sync).observe(readout, {childList: true, characterData: true, subtree: true});
      new MutationObserver(sync).observe(handle, {attributes: true, attributeFilter: ["aria-valuetext"]});
    });
  }

  var queued = false;
  function update() {
    if (queued) return;
    queued = true;
    window.requestAnimationFrame(function () { queued = false; markWide(); labelSliders(); });
  }

  function start() {
    update();
    if (window.ResizeObserver) new ResizeObserver(update).observe(document.body);
    new MutationObserver(update).observe(document.body, {childList: true, subtree: true});
    window.addEventListener("resize", update);
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
      window.MathJax.startup.promise.then(update);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
