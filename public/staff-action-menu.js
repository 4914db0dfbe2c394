// Staff action menus (<details class="action-menu">): they work without this file; it only
// closes an open menu on Escape (focus back on its summary), on a click elsewhere, and when
// another menu opens, so at most one is open at a time.
(function () {
  var menus = Array.prototype.slice.call(document.querySelectorAll('details.action-menu'));
  menus.forEach(function (menu) {
    menu.addEventListener('toggle', function () {
      if (!menu.open) return;
      menus.forEach(function (other) {
        if (other !== menu) other.open = false;
      });
      var first = menu.querySelector('input:not([type="hidden"]), button');
      if (first) first.focus();
    });
    menu.addEventListener('keydown', function (event) {
      if (event.key !== 'Escape' || !menu.open) return;
      menu.open = false;
      menu.querySelector('summary').focus();
      event.preventDefault();
    });
  });
  document.addEventListener('click', function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });
})();
