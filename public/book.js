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
  const summary = document.getElementById('form-error');
  if (summary) summary.focus();
})();
