/* Photo upload forms (form[data-upload]): shrink large photos on the phone before they are sent
   (at most 2048 px on the long side, JPEG at 0.85, put back into the file input with a
   DataTransfer), and show a busy message while the form uploads. Without JavaScript, or where
   the browser cannot do this, the original files are sent: the server re-encodes every photo
   anyway and never relies on this. */
(function () {
  "use strict";
  var MAX_SIDE = 2048, QUALITY = 0.85, KEEP_BELOW = 700 * 1024;
  var canShrink = typeof DataTransfer === "function" && !!window.URL && !!HTMLCanvasElement.prototype.toBlob;

  function status(form) { return form.querySelector(".upload-status"); }

  function say(form, key) {
    var el = status(form);
    if (!el) return;
    el.textContent = el.getAttribute("data-" + key) || "";
    el.hidden = !el.textContent;
  }

  function load(file) {
    return new Promise(function (resolve, reject) {
      var img = new Image(), url = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("not decodable")); };
      img.src = url;  // an <img> applies the EXIF orientation, so the canvas gets it upright
    });
  }

  function shrink(file) {
    if (!/^image\//.test(file.type) || file.type === "image/gif") return Promise.resolve(file);
    return load(file).then(function (img) {
      var w = img.naturalWidth, h = img.naturalHeight, scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      if (scale === 1 && file.size < KEEP_BELOW) return file;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";  // transparency becomes white, as on the server
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) return resolve(file);
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, {type: "image/jpeg", lastModified: file.lastModified}));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });  // e.g. HEIC the browser cannot draw: send as is
  }

  var working = new WeakMap();  // form -> Promise of the shrinking in progress

  document.addEventListener("change", function (event) {
    var input = event.target, form = input.form;
    if (!canShrink || !form || input.type !== "file" || !form.hasAttribute("data-upload")) return;
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) return;
    say(form, "shrinking");
    var job = Promise.all(files.map(shrink)).then(function (done) {
      var dt = new DataTransfer();
      done.forEach(function (f) { dt.items.add(f); });
      input.files = dt.files;
    }).catch(function () { /* keep the original files */ });
    var all = Promise.all([working.get(form), job]);
    working.set(form, all);
    all.then(function () {
      if (working.get(form) === all) { working.delete(form); say(form, form.getAttribute("aria-busy") ? "busy" : "ready"); }
    });
  });

  /* Capture phase: runs after confirm.js's question and before htmx sends the form. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-upload")) return;
    if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); event.stopImmediatePropagation(); return; }
    var pending = working.get(form);
    if (pending) {
      event.preventDefault();
      event.stopImmediatePropagation();
      var submitter = event.submitter;
      pending.then(function () { form.requestSubmit(submitter || undefined); });
      return;
    }
    form.setAttribute("aria-busy", "true");
    say(form, "busy");
  }, true);

  function idle(form) { form.removeAttribute("aria-busy"); say(form, "ready"); }
  // Back from the next page (bfcache), or htmx finished (its answer replaces the form anyway).
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-upload][aria-busy]").forEach(idle);
  });
  document.addEventListener("htmx:finally:request", function (event) {
    var form = event.target && event.target.closest && event.target.closest("form[data-upload]");
    if (form) idle(form);
  });
})();
