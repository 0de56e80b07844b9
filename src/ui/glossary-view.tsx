// The glossary on the page: <Term id> marks a word wherever it appears; it is a button that opens
// the word's definition beside it (a native popover: Escape or a click elsewhere closes it), and
// the Glossary section lists every entry.
import type { ReactNode } from 'react';
import { GLOSSARY, GLOSSARY_IDS, type GlossaryId } from './glossary';

const popoverId = (id: GlossaryId) => `glossary-${id}`;

/** A word with a glossary entry; its children are the word as the sentence spells it. */
export function Term({ id, children }: { id: GlossaryId; children?: ReactNode }) {
  return (
    <button type="button" className="term" popoverTarget={popoverId(id)} title={`What is ${GLOSSARY[id].term}?`} data-term={id}>
      {children ?? GLOSSARY[id].term}
    </button>
  );
}

/** One popover per entry, mounted once; every <Term> of that entry opens it. */
export function GlossaryPopovers() {
  return (
    <>
      {GLOSSARY_IDS.map((id) => (
        <div key={id} id={popoverId(id)} popover="auto" className="glossary-popover" role="note" aria-label={GLOSSARY[id].term} data-testid={`glossary-popover-${id}`}>
          <strong>{GLOSSARY[id].term}</strong>
          <p>{GLOSSARY[id].definition}</p>
          <button type="button" popoverTarget={popoverId(id)} popoverTargetAction="hide">
            Close
          </button>
        </div>
      ))}
    </>
  );
}

/** The glossary: every term the page uses. */
export function GlossarySection() {
  return (
    <section className="glossary" aria-labelledby="glossary-title" data-testid="glossary" id="glossary">
      <h2 id="glossary-title" tabIndex={-1}>
        Glossary
      </h2>
      <dl>
        {GLOSSARY_IDS.map((id) => (
          <div key={id} className="glossary-entry" id={`entry-${id}`}>
            <dt>{GLOSSARY[id].term}</dt>
            <dd>{GLOSSARY[id].definition}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
