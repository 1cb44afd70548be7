/* Outbox room: the "Đánh giá và liên thông" admin page's one action admin.js does not cover:
 * making an integration token and showing it this once. Plain ES2017. */
(function () {
  "use strict";

  var button = document.getElementById("token-new");
  if (!button) return;
  button.addEventListener("click", async function () {
    if (document.getElementById("token-state").textContent.indexOf("đang dùng") >= 0 &&
        !window.confirm("Cấp mã mới? Mã đang dùng sẽ không đọc được nữa.")) return;
    button.disabled = true;
    try {
      var body = await Motcua.api("POST", "/api/admin/ratings-settings/token");
      document.getElementById("token-value").textContent = body.token;
      document.getElementById("token-once").hidden = false;
      document.getElementById("token-state").textContent = "đang dùng (kết thúc bằng …" + body.token.slice(-4) + ")";
    } catch (err) {
      window.alert(err.message || "Không cấp được mã.");
    } finally {
      button.disabled = false;
    }
  });
})();
