// The hook model as the server sends it (page_data.model, from visualizer/core/model.py):
// box keys, the hook of a chain, labels. Nothing about Linux is written down here.

export function makeModel(m) {
  const hooks = m.hooks || [];
  const chainHook = new Map(hooks.map((h) => [h.toUpperCase(), h]));
  for (const t of m.tables || []) chainHook.set(String(t.chain).toUpperCase(), t.hook);
  const tables = new Map((m.tables || []).map((t) => [t.key, t]));

  function hookOf(ev) {
    if (ev.hook) return String(ev.hook).toLowerCase();
    for (const c of [ev.base_chain, ev.chain]) {
      const h = c && chainHook.get(String(c).toUpperCase());
      if (h) return h;
    }
    return null;
  }

  return {
    hooks, families: m.families || [], tables, edges: m.edges || [],
    hookOf,
    hookOfChain: (chain) => chainHook.get(String(chain || "").toUpperCase()) || null,
    // the diagram box an event belongs to: "family:table:hook"
    boxKey: (ev) => `${ev.family}:${ev.table}:${hookOf(ev)}`,
    // the (family, hook) stage: "family:hook"
    stageKey: (ev) => `${ev.family}:${hookOf(ev)}`,
    // "ip:filter:forward" -> "ip filter FORWARD"
    tableLabel(key) {
      if (!key) return "";
      const t = tables.get(key);
      if (t) return `${t.family} ${t.name} ${t.chain}`;
      const [fam, table, hook] = String(key).split(":");
      return `${fam} ${table} ${String(hook || "").toUpperCase()}`;
    },
    // "bridge:prerouting" -> "bridge PREROUTING"
    hookLabel(key) {
      const [fam, hook] = String(key || "").split(":");
      return `${fam} ${String(hook || "").toUpperCase()}`;
    },
    // "ip nat POSTROUTING" (a journey's nat "at") -> "ip:nat:postrouting", or null
    boxOfPlace(at) {
      const [fam, table, chain] = String(at || "").split(" ");
      const hook = chainHook.get(String(chain || "").toUpperCase());
      const key = `${fam}:${table}:${hook}`;
      return hook && tables.has(key) ? key : null;
    },
  };
}
