// Find a desk and My bookings: progressive enhancement only (every form works without it).
(() => {
  // Choosing a site narrows the floor list to that site's floors.
  const site = document.getElementById('siteId');
  const floor = document.getElementById('floorId');
  if (site instanceof HTMLSelectElement && floor instanceof HTMLSelectElement) {
    const sync = (pickFirst) => {
      let first = null;
      for (const group of floor.querySelectorAll('optgroup')) {
        const match = group.dataset.site === site.value;
        group.hidden = !match;
        group.disabled = !match;
        if (match && !first) first = group.querySelector('option');
      }
      const current = floor.selectedOptions[0];
      if (first && (pickFirst || !current || current.parentElement.disabled)) first.selected = true;
    };
    site.addEventListener('change', () => sync(true));
    sync(false);
  }

  // The map: zoom and pan by changing the SVG's viewBox (mouse wheel, drag, pinch, buttons, keys).
  const map = document.querySelector('[data-map]');
  const svg = map && map.querySelector('svg.floorplan');
  const viewport = map && map.querySelector('.map-viewport');
  let dragged = false;
  if (svg && viewport) {
    const W = Number(svg.dataset.width) || 1000;
    const H = Number(svg.dataset.height) || 600;
    let view = { x: 0, y: 0, w: W, h: H };
    const apply = () => svg.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
    const clamp = () => {
      view.w = Math.min(W, Math.max(W / 8, view.w));
      view.h = (view.w * H) / W;
      view.x = Math.min(W - view.w, Math.max(0, view.x));
      view.y = Math.min(H - view.h, Math.max(0, view.y));
    };
    const zoom = (factor, cx = view.x + view.w / 2, cy = view.y + view.h / 2) => {
      const w = view.w * factor;
      view = { x: cx - ((cx - view.x) * w) / view.w, y: cy - ((cy - view.y) * w) / view.w, w, h: view.h };
      clamp();
      apply();
    };
    const pan = (dx, dy) => {
      view.x += dx;
      view.y += dy;
      clamp();
      apply();
    };
    const toPlan = (clientX, clientY) => {
      const r = svg.getBoundingClientRect();
      return {
        x: view.x + ((clientX - r.left) / r.width) * view.w,
        y: view.y + ((clientY - r.top) / r.height) * view.h,
      };
    };
    map.querySelector('.map-tools').hidden = false;
    for (const b of map.querySelectorAll('[data-zoom]'))
      b.addEventListener('click', () => {
        if (b.dataset.zoom === 'in') zoom(0.7);
        else if (b.dataset.zoom === 'out') zoom(1 / 0.7);
        else {
          view = { x: 0, y: 0, w: W, h: H };
          apply();
        }
      });
    viewport.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const p = toPlan(e.clientX, e.clientY);
        zoom(e.deltaY < 0 ? 0.85 : 1 / 0.85, p.x, p.y);
      },
      { passive: false },
    );
    viewport.addEventListener('keydown', (e) => {
      if (e.target !== viewport) return;
      const step = view.w / 10;
      const keys = {
        '+': () => zoom(0.7),
        '=': () => zoom(0.7),
        '-': () => zoom(1 / 0.7),
        ArrowLeft: () => pan(-step, 0),
        ArrowRight: () => pan(step, 0),
        ArrowUp: () => pan(0, -step),
        ArrowDown: () => pan(0, step),
      };
      if (keys[e.key]) {
        e.preventDefault();
        keys[e.key]();
      }
    });
    // Pointers: one drags, two pinch. A drag longer than a few pixels is not a tap on a desk.
    const pointers = new Map();
    let start = null;
    viewport.addEventListener('pointerdown', (e) => {
      pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      start = { view: { ...view }, pts: new Map(pointers), moved: 0 };
      dragged = false;
    });
    viewport.addEventListener('pointermove', (e) => {
      if (!pointers.has(e.pointerId) || !start) return;
      pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      const r = svg.getBoundingClientRect();
      const scale = start.view.w / r.width;
      const [a, b] = [...pointers.values()];
      const [a0, b0] = [...start.pts.values()];
      if (pointers.size === 1 && a0) {
        const dx = a.x - a0.x;
        const dy = a.y - a0.y;
        if (Math.hypot(dx, dy) > 6) dragged = true;
        if (!dragged) return;
        if (viewport.setPointerCapture && !viewport.hasPointerCapture(e.pointerId))
          viewport.setPointerCapture(e.pointerId);
        view = { ...start.view, x: start.view.x - dx * scale, y: start.view.y - dy * scale };
        clamp();
        apply();
      } else if (pointers.size === 2 && a0 && b0 && b) {
        dragged = true;
        const d0 = Math.hypot(a0.x - b0.x, a0.y - b0.y) || 1;
        const d1 = Math.hypot(a.x - b.x, a.y - b.y) || 1;
        view = { ...start.view };
        const mid = toPlan((a0.x + b0.x) / 2, (a0.y + b0.y) / 2);
        zoom(d0 / d1, mid.x, mid.y);
      }
    });
    const end = (e) => {
      pointers.delete(e.pointerId);
      start = pointers.size ? { view: { ...view }, pts: new Map(pointers), moved: 0 } : null;
    };
    viewport.addEventListener('pointerup', end);
    viewport.addEventListener('pointercancel', end);
  }

  // Choosing a desk (map or list) opens a short confirmation; nothing is booked until
  // "Confirm booking" is pressed, and that button ignores presses in its first half second
  // (a double tap or a held Enter must not book). Without the script, the links and
  // buttons lead to the same confirmation as a page.
  const dialog = document.getElementById('confirm-dialog');
  if (dialog instanceof HTMLDialogElement && typeof dialog.showModal === 'function') {
    const form = dialog.querySelector('form');
    const title = dialog.querySelector('#confirm-title');
    const confirm = dialog.querySelector('[data-confirm-button]');
    let openedAt = 0;
    const open = (deskId, label) => {
      form.elements.deskId.value = deskId;
      title.textContent = title.dataset.template.replace('{desk}', label);
      confirm.textContent = confirm.dataset.template.replace('{desk}', label);
      openedAt = performance.now();
      dialog.showModal();
    };
    form.addEventListener('submit', (e) => {
      if (performance.now() - openedAt < 500) e.preventDefault();
    });
    dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close());
    for (const el of document.querySelectorAll('svg.floorplan a.desk-free, .desk-chips button[data-desk]')) {
      el.addEventListener('click', (e) => {
        e.preventDefault();
        if (dragged) return;
        open(el.dataset.desk, el.dataset.label);
      });
    }
  }

  // Undo after booking: counts down, then goes away (the server refuses a late undo anyway).
  const undo = document.querySelector('form.undo[data-undo-seconds]');
  if (undo) setTimeout(() => undo.remove(), Number(undo.dataset.undoSeconds) * 1000);

  const summary = document.getElementById('form-error');
  if (summary) summary.focus();
})();
