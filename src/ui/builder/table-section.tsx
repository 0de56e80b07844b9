// A form section drawn from the field table: every row of one builder section (basic or
// advanced), in table order, with the domain editors (kind selects) placed before the row they
// govern. A new row of src/experiment/fields.ts appears here without touching this file.
import type { ReactNode } from 'react';
import { fieldsIn, type FieldPath, type FieldSection } from '../../experiment/fields';
import { FieldInput, Section } from './form-kit';

export function TableSection({
  title,
  section,
  advanced,
  before = {},
  leading,
}: {
  title: string;
  section: FieldSection;
  advanced: boolean;
  /** Editors shown just before a row (even when the row itself is hidden by its `when`). */
  before?: Partial<Record<FieldPath, ReactNode>>;
  /** Editors shown first. */
  leading?: ReactNode;
}) {
  return (
    <Section title={title}>
      {leading}
      {fieldsIn(section, advanced).map((row) => (
        <FieldRowWithEditor key={row.path} name={row.path as FieldPath} before={before[row.path as FieldPath]} />
      ))}
    </Section>
  );
}

function FieldRowWithEditor({ name, before }: { name: FieldPath; before: ReactNode }) {
  return (
    <>
      {before}
      <FieldInput name={name} />
    </>
  );
}
