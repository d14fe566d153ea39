import { createTheme, Drawer, Modal, Notification, Select } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'indigo',
  // Shade 8 on white (and white on it) passes WCAG AA contrast; Mantine's default 6 does not.
  primaryShade: { light: 8, dark: 6 },
  defaultRadius: 'md',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  headings: { fontWeight: '650' },
  components: {
    // Tabbing through a form must not pop a list open over the next fields: a list opens on a
    // click, on typing, or on Alt+Down / Enter, as a native select does.
    // Typing a name and pressing Enter takes the first match ("Glob", Enter: Globex), as in a
    // browser's address bar; nothing was highlighted, Enter did nothing, and the deal was made
    // without its company.
    Select: Select.extend({ defaultProps: { openOnFocus: false, selectFirstOptionOnChange: true } }),
    // The × of a dialog is an icon alone: a screen reader announced it as "button".
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    Drawer: Drawer.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    // A toast's × too (every save, move and Undo shows one).
    Notification: Notification.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Dismiss' } } }),
  },
});
