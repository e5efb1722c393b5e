// Labelled form fields (server components): a label tied to its input, an optional hint. Shared by
// every form of the app.
export function Field({
  name,
  label,
  defaultValue,
  type = 'text',
  required,
  hint,
  placeholder,
  autoComplete,
  children,
  id = `f-${name}`,
}: {
  name: string;
  label: string;
  defaultValue?: string | number | null;
  type?: string;
  required?: boolean;
  hint?: string;
  placeholder?: string;
  autoComplete?: string;
  /** a control of its own (select, textarea) with id `f-{name}`, instead of a text input */
  children?: React.ReactNode;
  /** the input's id where a page keeps its own (default `f-{name}`) */
  id?: string;
}) {
  return (
    <div>
      <FieldLabel id={id} label={label} required={required} />
      {children ?? (
        <input
          id={id}
          name={name}
          type={type}
          required={required}
          defaultValue={defaultValue ?? ''}
          placeholder={placeholder}
          autoComplete={autoComplete}
          step={type === 'number' ? 'any' : undefined}
          className="input"
          aria-describedby={hint ? `${id}-hint` : undefined}
        />
      )}
      {hint && (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      )}
    </div>
  );
}

export function SelectField({
  name,
  label,
  options,
  defaultValue,
  required,
  hint,
}: {
  name: string;
  label: string;
  options: { value: string; label: string }[];
  defaultValue?: string | null;
  required?: boolean;
  hint?: string;
}) {
  const id = `f-${name}`;
  return (
    <div>
      <FieldLabel id={id} label={label} required={required} />
      <Select id={id} name={name} value={defaultValue} required={required} options={options} describedBy={hint ? `${id}-hint` : undefined} />
      {hint && (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      )}
    </div>
  );
}

/** The reason of a change. A page with two such forms gives the second its own `id`: ids are
 * unique on a page, or the second label names (and focuses) the first form's field. */
export function ReasonField({ label, hint, id }: { label: string; hint: string; id?: string }) {
  return <Field name="reason" label={label} hint={hint} id={id} required />;
}

/** A labelled select of a filter form (GET), with an optional "all" first choice. */
export function FilterSelect({
  id,
  name = id,
  label,
  value,
  options,
  all,
  required,
}: {
  id: string;
  name?: string;
  label: string;
  value?: string | null;
  options: { value: string; label: string }[];
  /** the label of the empty choice (no filter) */
  all?: string;
  required?: boolean;
}) {
  return (
    <div>
      <FieldLabel id={id} label={label} />
      <Select id={id} name={name} value={value} options={options} all={all} required={required} />
    </div>
  );
}

function FieldLabel({ id, label, required }: { id: string; label: string; required?: boolean }) {
  return (
    <label htmlFor={id} className="label">
      {label}
      {required && <span aria-hidden className="text-red-600"> *</span>}
    </label>
  );
}

type Options = { value: string; label: string }[];

function Select({ id, name, value, required, options, all, describedBy }: { id: string; name: string; value?: string | null; required?: boolean; options: Options; all?: string; describedBy?: string }) {
  return (
    <select id={id} name={name} defaultValue={value ?? ''} required={required} className="input" aria-describedby={describedBy}>
      {all !== undefined && <option value="">{all}</option>}
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}
