/* The page side of testkit/browser.py: Mermaid charts drawn with Mermaid's own bundle,
   as GitHub draws a ```mermaid block. Loaded after mermaid.min.js, by file URL. */
"use strict";

mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

let drawn = 0;

/** One chart: { svg } with its SVG markup, or { error } with Mermaid's message. */
async function drawChart(text) {
  const id = `mermaid-${drawn++}`;
  try {
    await mermaid.parse(text);
    const { svg } = await mermaid.render(id, text);
    return { svg };
  } catch (error) {
    document.getElementById(`d${id}`)?.remove(); // the error diagram render leaves
    return { error: String(error?.message ?? error) };
  }
}

/** Each <pre lang="mermaid"> replaced by its chart, or by its error as text; the errors. */
async function drawMarkdownCharts() {
  const errors = [];
  for (const pre of document.querySelectorAll('pre[lang="mermaid"]')) {
    const { svg, error } = await drawChart(pre.textContent);
    const figure = document.createElement("div");
    if (error === undefined) {
      figure.className = "mermaid-chart";
      figure.innerHTML = svg;
    } else {
      figure.className = "mermaid-error";
      figure.textContent = error;
      errors.push(error);
    }
    pre.replaceWith(figure);
  }
  return errors;
}

/** One chart drawn into #chart: { svg, width, height }, or { error }. */
async function checkChart(text) {
  const { svg, error } = await drawChart(text);
  if (error !== undefined) return { error };
  const figure = document.getElementById("chart");
  figure.innerHTML = svg;
  const box = figure.querySelector("svg").getBoundingClientRect();
  return { svg, width: box.width, height: box.height };
}

window.charts = drawMarkdownCharts();
