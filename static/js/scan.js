// "Scan" on My work: reads an asset's QR label with the phone camera and opens what it points at
// (the form's ?code= lookup). The browser's BarcodeDetector where there is one; elsewhere the
// vendored jsQR reader, loaded only when scanning starts. The typed field works without either.
(function () {
  "use strict";
  var form = document.querySelector("[data-scan-form]");
  if (!form) return;
  var button = form.querySelector("[data-scan]");
  var box = document.querySelector("[data-scanner]");
  var video = box.querySelector("[data-scan-video]");
  var status = box.querySelector("[data-scan-status]");
  var script = document.getElementById("scan-script");
  var stream = null, timer = null, canvas = null;

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;  // no camera: the field only
  button.hidden = false;

  function stop() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    box.hidden = true;
  }

  function found(text) {
    stop();
    form.elements.code.value = text;
    form.submit();
  }

  function loadReader() {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = script.dataset.reader;
      s.onload = function () { resolve(window.jsQR); };
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function detector() {
    if ("BarcodeDetector" in window) {
      var d = new window.BarcodeDetector({formats: ["qr_code"]});
      return Promise.resolve(function () {
        return d.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      });
    }
    return loadReader().then(function (jsQR) {
      canvas = canvas || document.createElement("canvas");
      var ctx = canvas.getContext("2d", {willReadFrequently: true});
      return function () {
        var w = video.videoWidth, h = video.videoHeight;
        if (!w || !h) return Promise.resolve(null);
        canvas.width = w; canvas.height = h;
        ctx.drawImage(video, 0, 0, w, h);
        var code = jsQR(ctx.getImageData(0, 0, w, h).data, w, h, {inversionAttempts: "dontInvert"});
        return Promise.resolve(code ? code.data : null);
      };
    });
  }

  button.addEventListener("click", function () {
    box.hidden = false;
    status.textContent = status.dataset.ready || status.textContent;
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}).then(function (s) {
      stream = s;
      video.srcObject = s;
      return video.play().then(detector);
    }).then(function (read) {
      function loop() {
        if (!stream) return;
        read().then(function (text) {
          if (text) { found(text); } else { timer = setTimeout(loop, 250); }
        }).catch(function () { timer = setTimeout(loop, 500); });
      }
      loop();
    }).catch(function () {
      stop();
      box.hidden = false;
      status.textContent = "The camera is not available here: type the label's address or the asset's tag.";
    });
  });
  box.querySelector("[data-scan-close]").addEventListener("click", stop);
})();
