// vdx GraphQL console: posts the query to /graphql with the given token.
(function () {
  const $ = (id) => document.getElementById(id);
  async function run() {
    let variables = {};
    try {
      variables = $("variables").value.trim() ? JSON.parse($("variables").value) : {};
    } catch (e) {
      $("result").textContent = "Variables are not valid JSON: " + e.message;
      return;
    }
    const headers = { "content-type": "application/json" };
    const token = $("token").value.trim();
    if (token) headers.authorization = "Bearer " + token;
    const res = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query: $("query").value, variables }) });
    const text = await res.text();
    try {
      $("result").textContent = JSON.stringify(JSON.parse(text), null, 2);
    } catch (_) {
      $("result").textContent = res.status + " " + text;
    }
  }
  $("run").addEventListener("click", run);
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") run();
  });
})();
