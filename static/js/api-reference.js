// The API reference: Swagger UI over /api/v1/openapi.json (its "Try it out" calls the API
// with the token given under "Authorize").
(function () {
  "use strict";
  var target = document.getElementById("api-reference");
  if (!target || typeof SwaggerUIBundle !== "function") {
    return;
  }
  SwaggerUIBundle({
    url: target.getAttribute("data-spec-url"),
    domNode: target,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
  });
})();
