// A text input with a list of suggested keys (ARIA combobox with a listbox popup): typing
// filters, ArrowDown/ArrowUp move, Enter or a click picks, Escape closes. Each suggestion shows
// the key, its description and its default. Free text stays allowed: the server decides.
import { useState } from 'preact/hooks';
import { t } from '../i18n/index.js';
import { suggest } from './keys.js';

export function KeyCombobox({ id, value, keys, onInput, onPick, label, invalid, describedBy }) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const matches = suggest(keys || [], value);
  const listId = `${id}-list`;
  const shown = open && matches.length > 0;

  const pick = (k) => {
    onPick(k);
    setOpen(false);
    setActive(-1);
  };
  const onKeyDown = (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) setOpen(true);
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (matches.length ? (i + step + matches.length) % matches.length : -1));
    } else if (e.key === 'Enter' && shown && active >= 0 && matches[active]) {
      e.preventDefault(); // picks instead of submitting the form
      pick(matches[active]);
    } else if (e.key === 'Escape' && shown) {
      e.preventDefault();
      setOpen(false);
    }
  };
  return (
    <div class="combo">
      <input
        id={id}
        class="row-key"
        role="combobox"
        autocomplete="off"
        spellcheck={false}
        aria-label={label}
        aria-autocomplete="list"
        aria-expanded={shown ? 'true' : 'false'}
        aria-controls={listId}
        aria-activedescendant={shown && active >= 0 ? `${listId}-${active}` : undefined}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={describedBy}
        value={value}
        onInput={(e) => {
          onInput(e.currentTarget.value);
          setOpen(true);
          setActive(-1);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      {shown && (
        <ul class="combo-list" role="listbox" id={listId} aria-label={label}>
          {matches.map((k, i) => (
            <li
              key={k.key}
              id={`${listId}-${i}`}
              role="option"
              class={`combo-option${i === active ? ' combo-active' : ''}`}
              aria-selected={i === active ? 'true' : 'false'}
              data-key={k.key}
              // mousedown, not click: the input keeps focus, so blur does not close the list first
              onMouseDown={(e) => {
                e.preventDefault();
                pick(k);
              }}
            >
              <span class="combo-key">{k.key}</span>
              <span class="combo-desc">{k.description}</span>
              <span class="combo-default">
                {t('gw.default', { value: k.default === '' ? t('gw.emptyDefault') : k.default })}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
