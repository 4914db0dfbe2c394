// Floor-plan editor, staff side (progressive enhancement): drag a desk with the pointer, or
// focus it and move it with the arrow keys (Shift: 10 times farther); the new position is
// saved through the desk's CSRF-protected position form. Without JS, staff type X and Y on
// the desk's page. A click without movement still opens the desk.
(function () {
  var svg = document.querySelector('svg[data-drag-desks]');
  if (!svg || !window.fetch || !svg.getScreenCTM) return;
  var csrf = document.querySelector('input[name="_csrf"]');
  var marker = Number(svg.dataset.marker) || 8;
  var box = svg.viewBox.baseVal;
  var status = document.createElement('p');
  status.className = 'muted';
  status.setAttribute('role', 'status');
  status.id = 'plan-drag-status';
  svg.parentNode.appendChild(status);

  function place(link, x, y) {
    link.dataset.x = String(x);
    link.dataset.y = String(y);
    var rect = link.querySelector('rect');
    var text = link.querySelector('text');
    rect.setAttribute('x', String(x - marker));
    rect.setAttribute('y', String(y - marker));
    text.setAttribute('x', String(x));
    text.setAttribute('y', String(y - marker - 3));
  }

  var timers = {};
  function save(link) {
    var id = link.dataset.deskId;
    clearTimeout(timers[id]);
    timers[id] = setTimeout(function () {
      status.textContent = svg.dataset.savedText.replace('{desk}', link.dataset.label);
      var body = new URLSearchParams();
      body.set('_csrf', csrf ? csrf.value : '');
      body.set('posX', link.dataset.x);
      body.set('posY', link.dataset.y);
      fetch('/staff/desks/' + id + '/position', {
        method: 'POST',
        headers: { accept: 'application/json' },
        body: body,
        credentials: 'same-origin',
      })
        .then(function (res) {
          return res.json().then(function (json) {
            if (!res.ok) throw new Error(json.message || String(res.status));
            return json;
          });
        })
        .then(function (json) {
          status.textContent = json.message;
          var warning = document.getElementById('plan-overlaps');
          if (warning) {
            warning.textContent = '';
            if (json.overlaps.length) {
              var div = document.createElement('div');
              div.className = 'flash flash-error';
              div.textContent = json.overlaps.join(', ');
              warning.appendChild(div);
            }
          }
        })
        .catch(function (error) {
          status.textContent = svg.dataset.failedText + ' ' + error.message;
        });
    }, 400);
  }

  function toPlan(event) {
    var p = svg.createSVGPoint();
    p.x = event.clientX;
    p.y = event.clientY;
    var q = p.matrixTransform(svg.getScreenCTM().inverse());
    return {
      x: Math.min(Math.max(0, Math.round(q.x)), box.width),
      y: Math.min(Math.max(0, Math.round(q.y)), box.height),
    };
  }

  svg.querySelectorAll('a[data-desk-id]').forEach(function (link) {
    var drag = null;
    link.addEventListener('pointerdown', function (event) {
      if (event.button !== 0) return;
      drag = { startX: event.clientX, startY: event.clientY, moved: false };
      link.setPointerCapture(event.pointerId);
    });
    link.addEventListener('pointermove', function (event) {
      if (!drag) return;
      if (!drag.moved && Math.hypot(event.clientX - drag.startX, event.clientY - drag.startY) < 4) return;
      drag.moved = true;
      link.classList.add('is-dragging');
      var p = toPlan(event);
      place(link, p.x, p.y);
    });
    link.addEventListener('pointerup', function () {
      if (drag && drag.moved) save(link);
      link.classList.remove('is-dragging');
      link.dataset.justDragged = drag && drag.moved ? '1' : '';
      drag = null;
    });
    link.addEventListener('click', function (event) {
      // A drag ends with a click on the link; it must not open the desk.
      if (link.dataset.justDragged === '1') {
        event.preventDefault();
        event.stopPropagation();
        link.dataset.justDragged = '';
      }
    });
    link.addEventListener('keydown', function (event) {
      var step = event.shiftKey ? 10 : 1;
      var d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[
        event.key
      ];
      if (!d) return;
      event.preventDefault();
      var x = Math.min(Math.max(0, Number(link.dataset.x) + d[0]), box.width);
      var y = Math.min(Math.max(0, Number(link.dataset.y) + d[1]), box.height);
      place(link, x, y);
      save(link);
    });
  });
})();
