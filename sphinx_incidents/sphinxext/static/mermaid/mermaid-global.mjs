// The module sphinxcontrib-mermaid imports: Mermaid is loaded by mermaid.min.js.
export default globalThis.mermaid;
