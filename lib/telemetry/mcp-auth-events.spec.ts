import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { McpAuthEvents } from './mcp-auth-events.js';
import type { McpAuthEvent } from './mcp-auth-event.js';

const event: McpAuthEvent = {
  type: 'mcp-auth.discovery.done',
  timestamp: 0,
  issuer: 'https://idp',
  durationMs: 1,
};

describe('McpAuthEvents', () => {
  it('wants an event only while someone listens; on() filters by type', () => {
    const events = new McpAuthEvents();
    expect(events.wants('mcp-auth.refused')).toBe(false);
    const heard: string[] = [];
    const subscription = events.on('mcp-auth.discovery.done').subscribe((e) => heard.push(e.issuer));
    expect(events.wants('mcp-auth.refused')).toBe(true);
    events.emit(event);
    events.emit({ ...event, type: 'mcp-auth.discovery.failed', reason: 'ERR_DISCOVERY_FETCH' });
    subscription.unsubscribe();
    expect(heard).toEqual(['https://idp']);
    expect(events.wants('mcp-auth.refused')).toBe(false);
  });

  it('hands events to a connected EventEmitter2 that listens; a throwing listener is logged, never thrown', () => {
    const events = new McpAuthEvents();
    const emitted: string[] = [];
    events.connect({
      hasListeners: (type) => type === 'mcp-auth.discovery.done',
      emit: (type) => {
        emitted.push(String(type));
        throw new Error('listener bug');
      },
    });
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    expect(events.wants('mcp-auth.discovery.done')).toBe(true);
    expect(events.wants('mcp-auth.refused')).toBe(false);
    expect(() => events.emit(event)).not.toThrow();
    expect(emitted).toEqual(['mcp-auth.discovery.done']);
    expect(error).toHaveBeenCalledWith(expect.stringContaining('listener bug'));
    error.mockRestore();
  });
});
