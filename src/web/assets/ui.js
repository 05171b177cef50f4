// Small DOM helpers for the pages. Text always goes in as text (textContent), never as HTML.
import { problemOf } from './gatehouse.js';

export const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, '');
    else if (value !== false && value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  node.append(...children.flat().filter((child) => child !== undefined && child !== null && child !== false));
  return node;
}

/** Shows one view (a section with `data-view`) and hides the others. */
export function showView(name) {
  for (const view of document.querySelectorAll('[data-view]')) view.hidden = view.dataset.view !== name;
}

export function say(text) {
  $('status').textContent = text;
}

function messagesOf(problem) {
  return Array.isArray(problem.message) ? problem.message : [problem.message];
}

/**
 * Puts the API's message next to the control it is about: a validation message that names a field goes under that
 * field's input (`name` attribute), anything else under the form. The server validates; the page only shows.
 */
export async function showProblem(form, response) {
  const problem = await problemOf(response);
  clearProblems(form);
  const general = [];
  for (const message of messagesOf(problem)) {
    const field = [...form.elements].find((control) => control.name && String(message).startsWith(control.name + ' '));
    if (field) {
      const note = form.querySelector(`[data-error-for="${field.name}"]`);
      note.textContent = message;
      field.setAttribute('aria-invalid', 'true');
    } else general.push(message);
  }
  if (general.length) form.querySelector('[data-error]').textContent = general.join(' ');
  return problem;
}

export function clearProblems(form) {
  for (const note of form.querySelectorAll('[data-error], [data-error-for]')) note.textContent = '';
  for (const control of form.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
}

/**
 * A submit handler that clears old errors, shows the API's on failure, and returns the response to `onOk`. `onProblem`
 * may take a failure over (a login that asks for its second factor): it answers true when it did.
 */
export function onSubmit(form, submit, onOk, onProblem) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form);
    const button = form.querySelector('[type=submit]');
    button.disabled = true;
    try {
      const response = await submit(new FormData(form));
      if (response.ok) await onOk(response);
      else if (!(onProblem && (await onProblem(await problemOf(response))))) await showProblem(form, response);
    } finally {
      button.disabled = false;
    }
  });
}

/** A label, its input and the place for that input's error, as the forms use them. */
export function field(label, name, attributes = {}) {
  const id = `${attributes.idPrefix ?? 'f'}-${name}`;
  delete attributes.idPrefix;
  return el(
    'div',
    { class: 'field' },
    el('label', { for: id }, label),
    el('input', { id, name, 'aria-describedby': `${id}-error`, ...attributes }),
    el('p', { class: 'error', id: `${id}-error`, 'data-error-for': name, 'aria-live': 'polite' }),
  );
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
