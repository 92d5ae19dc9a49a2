// Small DOM builders. Everything from the silo goes in as text nodes, never as HTML, so a resource name cannot inject markup.

/** el('td', { 'data-testid': 'x', class: 'y' }, 'text', child, ...) */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return element;
}

/**
 * Replaces a table body's rows only when what they show changed, so a row being clicked is not swapped out under
 * the pointer every second and the scroll position stays put.
 */
export function replaceRows(tbody, signature, buildRows) {
  if (tbody.dataset.signature === signature) {
    return;
  }
  tbody.dataset.signature = signature;
  tbody.replaceChildren(...buildRows());
}

const SVG = 'http://www.w3.org/2000/svg';

/** A padlock drawn inline (no icon font to load): closed for mTLS, open when plaintext. */
export function lockIcon(closed) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '12');
  svg.setAttribute('height', '12');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', closed ? 'lock lock-closed' : 'lock lock-open');
  const shackle = document.createElementNS(SVG, 'path');
  shackle.setAttribute('d', closed ? 'M4.5 7V5a3.5 3.5 0 0 1 7 0v2' : 'M4.5 7V5a3.5 3.5 0 0 1 6.8-1.2');
  shackle.setAttribute('fill', 'none');
  shackle.setAttribute('stroke', 'currentColor');
  shackle.setAttribute('stroke-width', '1.6');
  const body = document.createElementNS(SVG, 'rect');
  body.setAttribute('x', '2.5');
  body.setAttribute('y', '7');
  body.setAttribute('width', '11');
  body.setAttribute('height', '8');
  body.setAttribute('rx', '1.5');
  body.setAttribute('fill', 'currentColor');
  svg.append(shackle, body);
  return svg;
}
