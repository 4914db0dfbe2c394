// Find a desk: progressive enhancement only (the form works without it).
// Choosing a site narrows the floor list to that site's floors.
(() => {
  const site = document.getElementById('siteId');
  const floor = document.getElementById('floorId');
  if (!(site instanceof HTMLSelectElement) || !(floor instanceof HTMLSelectElement)) return;
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
  // One click on a free desk of the floor plan reserves it (its list entry holds the
  // form). Without this script the click jumps to that entry and its Reserve button.
  for (const link of document.querySelectorAll('svg.floorplan a.desk-free')) {
    link.addEventListener('click', (event) => {
      const id = (link.getAttribute('href') || '').slice(1);
      const form = id && document.getElementById(id)?.querySelector('form.reserve');
      if (form instanceof HTMLFormElement) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }
  const summary = document.getElementById('form-error');
  if (summary) summary.focus();
})();
