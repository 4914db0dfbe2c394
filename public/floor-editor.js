// Floor plan editor (progressive enhancement): a click on the plan fills in the X and Y
// inputs of the desk form, in the plan's own coordinates. Without JS the inputs are typed.
(function () {
  function setup(svg) {
    var xInput = document.getElementById(svg.dataset.targetX || 'f-posX');
    var yInput = document.getElementById(svg.dataset.targetY || 'f-posY');
    if (!xInput || !yInput || !svg.getScreenCTM) return;
    var marker = svg.querySelector('.pick-marker');
    svg.classList.add('is-pickable');
    svg.addEventListener('click', function (event) {
      // A click on a desk follows its link instead.
      if (event.target.closest && event.target.closest('a')) return;
      var ctm = svg.getScreenCTM();
      if (!ctm) return;
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var p = point.matrixTransform(ctm.inverse());
      var box = svg.viewBox.baseVal;
      var x = Math.min(Math.max(0, Math.round(p.x)), box.width);
      var y = Math.min(Math.max(0, Math.round(p.y)), box.height);
      xInput.value = String(x);
      yInput.value = String(y);
      xInput.dispatchEvent(new Event('change', { bubbles: true }));
      if (marker) {
        marker.setAttribute('cx', String(x));
        marker.setAttribute('cy', String(y));
        marker.removeAttribute('hidden');
      }
      var status = document.getElementById('plan-pick-status');
      if (status) status.textContent = 'Position set to X ' + x + ', Y ' + y + '.';
    });
    var live = document.createElement('p');
    live.id = 'plan-pick-status';
    live.className = 'muted';
    live.setAttribute('role', 'status');
    svg.parentNode.appendChild(live);
  }
  document.querySelectorAll('svg[data-plan-editor]').forEach(setup);
  document.documentElement.classList.add('js');
})();
